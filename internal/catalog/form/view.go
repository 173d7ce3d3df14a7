package form

import (
	"strconv"
	"strings"

	"github.com/egovuz/egov/internal/platform/i18n"
)

// StepView is one step of a form, ready for the "form-fields" partial: its
// fields in one language, with the values to show and the errors to mark.
// A page puts it in its data's Form field and calls
// {{template "form-fields" .}} inside its <form>; for the error summary of
// the layout, the page's data also has Errors, the same field errors.
type StepView struct {
	ID    string
	Title string
	// Number is the step's position from 1, Count the number of steps, for
	// "Step 2 of 3".
	Number, Count int
	// Items are the fields in order, a group as an Open item, its fields
	// and a Close item.
	Items []Item
	// Multipart says the step has a file field, so its <form> needs
	// enctype="multipart/form-data".
	Multipart bool
}

// Item is one field of a StepView, or the start or end of a group.
type Item struct {
	Field
	// Open starts a group's fieldset, with its label as the legend; Close
	// ends it.
	Open, Close bool
	// Value is the field's value as its control shows it.
	Value string
	// Checked is a checkbox's state.
	Checked bool
	// Error is the message key of the field's error, or empty.
	Error string
	// DescribedBy lists the ids of the hint and error, for
	// aria-describedby.
	DescribedBy string
	// InputType, InputMode and Autocomplete are the attributes of an
	// <input>; InputMode and Autocomplete may be empty.
	InputType, InputMode, Autocomplete string
	// Choices are the options of a select or radio field.
	Choices []Choice
	// Source names the registry that gave the value, for a field the
	// state fills in (see MarkPrefilled); empty otherwise.
	Source string
}

// MarkPrefilled notes on the step's items the registries that gave their
// values: sources maps a field's name to the registry's name in the page's
// language. The partial shows it next to the field.
func (v *StepView) MarkPrefilled(sources map[string]string) {
	for i := range v.Items {
		it := &v.Items[i]
		if src, ok := sources[it.Name]; ok && !it.Open && !it.Close {
			it.Source = src
			it.DescribedBy = strings.TrimSpace(it.Name + "-source " + it.DescribedBy)
		}
	}
}

// Choice is one option of a select or radio field.
type Choice struct {
	// ID is the radio button's id: the field's name for the first, so that
	// links to the field reach it, and name-2, name-3… for the others.
	ID       string
	Value    string
	Label    string
	Selected bool
}

// View returns the step stepID in loc, showing values (as FromPost or
// Validate return them, or a saved draft) and marking errs (as Validate
// returns them). It reports false for an unknown step.
func (f *Form) View(stepID string, loc i18n.Locale, values map[string]any, errs map[string]string) (StepView, bool) {
	for i, s := range f.steps {
		if s.id != stepID {
			continue
		}
		v := StepView{ID: s.id, Title: s.title.in(loc), Number: i + 1, Count: len(f.steps)}
		for _, fl := range s.fields {
			if fl.typ != TypeObject {
				v.Items = append(v.Items, item(fl, loc, values[fl.key], errs))
				continue
			}
			open := item(fl, loc, nil, errs)
			open.Open, open.Fields = true, nil
			v.Items = append(v.Items, open)
			g, _ := values[fl.key].(map[string]any)
			for _, c := range fl.children {
				v.Items = append(v.Items, item(c, loc, g[c.key], errs))
			}
			v.Items = append(v.Items, Item{Field: Field{Name: fl.name}, Close: true})
		}
		for _, it := range v.Items {
			v.Multipart = v.Multipart || it.Widget == WidgetFile
		}
		return v, true
	}
	return StepView{}, false
}

func item(fl *field, loc i18n.Locale, value any, errs map[string]string) Item {
	it := Item{Field: fl.public(loc), Value: formValue(value), Error: errs[fl.name]}
	var ids []string
	if it.Hint != "" {
		ids = append(ids, fl.name+"-hint")
	}
	if it.Error != "" {
		ids = append(ids, fl.name+"-error")
	}
	it.DescribedBy = strings.Join(ids, " ")
	switch fl.widget {
	case WidgetCheckbox:
		b, ok := value.(bool)
		if !ok {
			b, _ = parseBool(it.Value)
		}
		it.Checked = b
	case WidgetSelect, WidgetRadio:
		for i, o := range it.Options {
			id := fl.name
			if i > 0 {
				id += "-" + strconv.Itoa(i+1)
			}
			it.Choices = append(it.Choices, Choice{ID: id, Value: o.Value, Label: o.Label, Selected: value != nil && o.Value == it.Value})
		}
	}
	it.InputType = "text"
	switch fl.widget {
	case WidgetPhone:
		it.InputType, it.InputMode, it.Autocomplete = "tel", "tel", "tel"
	case WidgetEmail:
		it.InputType, it.InputMode, it.Autocomplete = "email", "email", "email"
	case WidgetPINFL:
		it.InputMode, it.Autocomplete = "numeric", "off"
	case WidgetDate:
		it.InputType = "date"
	case WidgetFile:
		it.InputType = "file"
	case WidgetNumber:
		// type="number" would refuse the decimal comma of Uzbek and
		// Russian; a text input with a numeric keyboard takes both.
		it.InputMode = "numeric"
		if fl.typ == TypeNumber {
			it.InputMode = "decimal"
		}
	}
	return it
}
