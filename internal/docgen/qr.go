package docgen

import qrcode "github.com/skip2/go-qrcode"

// qrSize is the printed width of the QR code without its quiet zone, in
// millimetres: large enough for any phone camera at arm's length. The layout
// leaves at least the four-module quiet zone around it.
const qrSize = 35.0

// qr draws the QR code of payload with its top left corner at (x, y) as
// vectors rather than an image: sharp at any zoom and in print, and small.
// Each run of dark modules in a row is a rectangle, and all rectangles are
// one filled path, so viewers show no hairline seams between them. Medium
// error correction survives a fold or a stamp over a corner.
func (p *page) qr(payload string, x, y float64) {
	code, err := qrcode.New(payload, qrcode.Medium)
	if err != nil {
		p.pdf.SetError(err)
		return
	}
	code.DisableBorder = true
	bits := code.Bitmap()
	module := qrSize / float64(len(bits))
	p.pdf.SetFillColor(0, 0, 0)
	for row, line := range bits {
		for col := 0; col < len(line); {
			if !line[col] {
				col++
				continue
			}
			run := col
			for run < len(line) && line[run] {
				run++
			}
			x0, x1 := x+float64(col)*module, x+float64(run)*module
			y0, y1 := y+float64(row)*module, y+float64(row+1)*module
			p.pdf.MoveTo(x0, y0)
			p.pdf.LineTo(x1, y0)
			p.pdf.LineTo(x1, y1)
			p.pdf.LineTo(x0, y1)
			p.pdf.ClosePath()
			col = run
		}
	}
	p.pdf.DrawPath("F")
}
