package docgen

import (
	"strconv"
	"strings"

	"github.com/go-fonts/liberation/liberationsansbold"
	"github.com/go-fonts/liberation/liberationsansregular"
	"github.com/go-pdf/fpdf"

	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/i18n"
)

// Page geometry in millimetres (A4 portrait).
const (
	pageW, pageH = 210.0, 297.0
	margin       = 20.0
	contentW     = pageW - 2*margin
	bottom       = pageH - 24 // content ends here; the footer is below
	labelW       = 62.0       // the label column of the field table
	valueX       = margin + labelW
	valueW       = contentW - labelW
	rowPad       = 1.6 // space above and below a row's text
)

// Text sizes in points and the matching line heights in millimetres.
const (
	titleSize, titleLine = 16.0, 7.5
	labelSize            = 9.5
	valueSize, valueLine = 10.5, 5.2
	smallSize, smallLine = 8.0, 3.8
)

// Grey levels of labels and of the rules between rows.
const (
	grey, ruleGrey = 90, 190
)

// page is one document being drawn.
type page struct {
	pdf   *fpdf.Fpdf
	faces faces
	words words
}

// newPage starts the PDF of d with everything that makes the output
// deterministic: fixed creation and modification dates, sorted resource
// catalogs, no random IDs (fpdf writes none unless the file is encrypted).
func newPage(d Document) (*page, error) {
	fs, err := embeddedFaces()
	if err != nil {
		return nil, err
	}
	pdf := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", SizeStr: "A4"})
	issued := d.IssuedAt.UTC()
	pdf.SetCreationDate(issued)
	pdf.SetModificationDate(issued)
	pdf.SetCatalogSort(true)
	pdf.SetCompression(true)
	pdf.SetProducer("egov", false)
	pdf.SetCreator("egov", false)
	p := &page{pdf: pdf, faces: fs, words: wordsFor(d.Locale)}
	pdf.SetTitle(p.text(d.Title), true)
	pdf.SetSubject(p.text(d.Number), true)
	pdf.SetAuthor(p.text(d.Issuer), true)
	pdf.SetLang(d.Locale.HTMLLang())
	pdf.AddUTF8FontFromBytes(family, "", liberationsansregular.TTF)
	pdf.AddUTF8FontFromBytes(family, "B", liberationsansbold.TTF)
	pdf.SetMargins(margin, margin, margin)
	pdf.SetCellMargin(0)
	pdf.SetAutoPageBreak(false, 0) // rows break pages themselves, see ensure
	pdf.AliasNbPages("{nb}")
	footer := p.text(p.words.Number + " " + d.Number + "   ·   " + p.words.Page + " ")
	pdf.SetFooterFunc(func() { p.footer(footer) })
	return p, pdf.Error()
}

// text is clean for a single-line text.
func (p *page) text(s string) string { return p.faces.clean(s, false) }

// document draws d: title, the number, date and issuer, the fields, who
// decided, and the QR block, flowing onto further pages as needed.
func (p *page) document(d Document) {
	p.pdf.AddPage()
	p.title(p.text(d.Title))
	p.rule(0.4, 0)
	p.row(p.words.Number, d.Number)
	p.row(p.words.Issued, i18n.FormatDate(d.Locale, d.IssuedAt.In(clock.Tashkent)))
	p.row(p.words.IssuedBy, d.Issuer)
	p.rule(0.4, 0)
	for _, f := range d.Fields {
		p.row(f.Label, f.Value)
	}
	if d.Officer != "" {
		p.row(p.words.DecidedBy, d.Officer)
	}
	p.verify(d.VerifyURL)
}

// title draws the document's title centred, wrapped to the content width.
func (p *page) title(s string) {
	p.font("B", titleSize, 0)
	lines := p.split(s, contentW)
	p.ensure(float64(len(lines)) * titleLine)
	for _, l := range lines {
		p.cell(margin, contentW, titleLine, l, "C")
	}
	p.pdf.SetY(p.pdf.GetY() + 3)
}

// row draws one label/value row of the field table with a light rule under
// it. Label and value wrap in their columns; a row that fits on a page is
// kept on one, a longer one continues on the next.
func (p *page) row(label, value string) {
	p.font("", labelSize, grey)
	ls := p.split(p.faces.clean(label, true), labelW-3)
	p.font("", valueSize, 0)
	vs := p.split(p.faces.clean(value, true), valueW)
	n := max(len(ls), len(vs))
	if h := float64(n)*valueLine + 2*rowPad; h <= bottom-margin {
		p.ensure(h)
	}
	p.pdf.SetY(p.pdf.GetY() + rowPad)
	for i := range n {
		p.ensure(valueLine)
		y := p.pdf.GetY()
		if i < len(ls) {
			p.font("", labelSize, grey)
			p.cell(margin, labelW-3, valueLine, ls[i], "L")
		}
		if i < len(vs) {
			p.pdf.SetY(y)
			p.font("", valueSize, 0)
			p.cell(valueX, valueW, valueLine, vs[i], "L")
		}
		p.pdf.SetY(y + valueLine)
	}
	p.pdf.SetY(p.pdf.GetY() + rowPad)
	p.rule(0.1, ruleGrey)
}

// verify draws the QR code of url, the URL under it and, beside it, how to
// use it and the note on the signature, all together on one page.
func (p *page) verify(url string) {
	p.font("", smallSize, 0)
	urls := p.split(p.text(url), contentW)
	p.ensure(6 + qrSize + 2 + float64(len(urls))*smallLine)
	y := p.pdf.GetY() + 6
	p.qr(url, margin, y)
	textX, textW := margin+qrSize+8, contentW-qrSize-8
	p.pdf.SetY(y + 2)
	p.font("B", valueSize, 0)
	for _, l := range p.split(p.text(p.words.Scan), textW) {
		p.cell(textX, textW, valueLine, l, "L")
	}
	p.pdf.SetY(p.pdf.GetY() + 2)
	p.font("", labelSize, grey)
	for _, l := range p.split(p.text(p.words.Signed), textW) {
		p.cell(textX, textW, valueLine, l, "L")
	}
	p.pdf.SetY(y + qrSize + 2)
	p.font("", smallSize, 0)
	for _, l := range urls {
		p.cell(margin, contentW, smallLine, l, "L")
	}
}

// footer draws the application number and "Page n / total" at the foot of
// the current page; fpdf calls it as each page is finished.
func (p *page) footer(prefix string) {
	p.pdf.SetY(bottom + 8)
	p.rule(0.1, ruleGrey)
	p.pdf.SetY(bottom + 9)
	p.font("", smallSize, grey)
	p.cell(margin, contentW, smallLine, prefix+strconv.Itoa(p.pdf.PageNo())+" / {nb}", "L")
}

// ensure starts a new page unless h millimetres fit above the footer.
func (p *page) ensure(h float64) {
	if p.pdf.GetY()+h > bottom {
		p.pdf.AddPage()
	}
}

// rule draws a horizontal line across the content width at the current
// position, of the given width and grey level.
func (p *page) rule(width float64, level int) {
	y := p.pdf.GetY()
	p.pdf.SetLineWidth(width)
	p.pdf.SetDrawColor(level, level, level)
	p.pdf.Line(margin, y, pageW-margin, y)
}

// font selects the face ("" or "B"), size in points and grey level of text.
func (p *page) font(style string, size float64, level int) {
	p.pdf.SetFont(family, style, size)
	p.pdf.SetTextColor(level, level, level)
}

// split wraps cleaned text s to width w in the current font, keeping the
// line breaks it has; an empty text is one empty line.
func (p *page) split(s string, w float64) []string {
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		if para == "" {
			lines = append(lines, "")
			continue
		}
		lines = append(lines, p.pdf.SplitText(para, w)...)
	}
	return lines
}

// cell draws one line of text at x on the current line and moves down.
func (p *page) cell(x, w, h float64, s, align string) {
	p.pdf.SetX(x)
	p.pdf.CellFormat(w, h, s, "", 2, align, false, 0, "")
}
