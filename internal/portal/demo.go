package portal

import (
	"context"
	"database/sql"

	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/i18n/translit"
)

// demoEvent is one life event of the demo data: Uzbek (Latin), Russian and
// English texts; the Uzbek Cyrillic text is transliterated from the Latin.
type demoEvent struct {
	slug, audience     string
	uzTitle, uzSummary string
	ruTitle, ruSummary string
	enTitle, enSummary string
}

var demoEvents = []demoEvent{
	{"birth-of-a-child", "citizen",
		"Farzand tugʻilishi", "Tugʻilganlik haqida guvohnoma, bolalar nafaqasi va bogʻchaga navbat.",
		"Рождение ребёнка", "Свидетельство о рождении, детское пособие и очередь в детский сад.",
		"Birth of a child", "Birth certificate, child benefit and a place in kindergarten."},
	{"going-to-school", "citizen",
		"Maktabga borish", "Birinchi sinfga yozilish va maktab tanlash.",
		"Поступление в школу", "Запись в первый класс и выбор школы.",
		"Starting school", "Enrolling in the first grade and choosing a school."},
	{"marriage", "citizen",
		"Nikoh", "Nikohni roʻyxatdan oʻtkazish uchun ariza va tibbiy koʻrik.",
		"Заключение брака", "Заявление о регистрации брака и медицинский осмотр.",
		"Getting married", "Applying to register a marriage and the medical check."},
	{"moving-home", "citizen",
		"Yangi manzilga koʻchish", "Doimiy va vaqtincha roʻyxatga olish, kommunal xizmatlarni oʻtkazish.",
		"Переезд", "Постоянная и временная регистрация, перевод коммунальных услуг.",
		"Moving home", "Permanent and temporary registration, moving utility accounts."},
	{"retirement", "citizen",
		"Pensiyaga chiqish", "Pensiya tayinlash, ish stajini tasdiqlash va pensiya miqdorini hisoblash.",
		"Выход на пенсию", "Назначение пенсии, подтверждение стажа и расчёт её размера.",
		"Retiring", "Claiming a pension, confirming your work record and calculating the amount."},
	{"starting-a-business", "business",
		"Biznesni boshlash", "Tadbirkorlik subyektini roʻyxatdan oʻtkazish, soliq va bank hisobvaragʻi.",
		"Открытие бизнеса", "Регистрация субъекта предпринимательства, налоги и банковский счёт.",
		"Starting a business", "Registering a business, taxes and a bank account."},
	{"building-permit", "business",
		"Qurilishga ruxsat", "Arxitektura-rejalashtirish topshirigʻi va qurilish ruxsatnomasi.",
		"Разрешение на строительство", "Архитектурно-планировочное задание и разрешение на строительство.",
		"Building permit", "Planning brief and permission to build."},
	{"closing-a-business", "business",
		"Faoliyatni tugatish", "Yuridik shaxsni tugatish va soliq hisobotlarini yopish.",
		"Закрытие бизнеса", "Ликвидация юридического лица и закрытие налоговой отчётности.",
		"Closing a business", "Winding up a company and closing tax reporting."},
}

// LoadDemo adds the demo life events that are not there yet, recording what
// it added in the audit log; loading twice changes nothing.
func (m *Module) LoadDemo(ctx context.Context) error {
	defer m.forgetTitles()
	return m.db.Tx(ctx, func(tx *sql.Tx) error {
		var added []string
		for i, d := range demoEvents {
			texts := map[i18n.Locale][2]string{
				i18n.UzLatn: {d.uzTitle, d.uzSummary},
				i18n.UzCyrl: {translit.ToCyrillic(d.uzTitle), translit.ToCyrillic(d.uzSummary)},
				i18n.Ru:     {d.ruTitle, d.ruSummary},
				i18n.En:     {d.enTitle, d.enSummary},
			}
			ok, err := m.createLifeEvent(ctx, tx, LifeEvent{Slug: d.slug, Audience: d.audience, Position: i}, texts)
			if err != nil {
				return err
			}
			if ok {
				added = append(added, d.slug)
			}
		}
		if len(added) == 0 {
			return nil
		}
		return m.audit.Record(ctx, tx, audit.Record{Actor: audit.System, Action: "portal.demo.loaded",
			ObjectType: "life_event", Details: map[string]any{"added": added}})
	})
}
