package dataset

import (
	"bytes"
	"hash/fnv"
	"image"
	"image/color"
	"image/gif"
	"math"
	"slices"
)

// A generated flag is drawn from a hash of its code, in two layers:
//
//	field   stripes, bands, a cross, a canton or a triangle in flat colours
//	emblem  a disc (a band when it is large) of dithered shading
//
// GIF's LZW squeezes the flat field to about a kilobyte; the dithered emblem
// costs a steady fraction of a byte per pixel, so the emblem's area is the
// knob that brings each file to its target size.

const (
	flagWidth   = 500 // the real set's flags are about 500 pixels wide
	fieldColors = 4   // palette entries 0–3: the field
	shades      = 12  // palette entries 4–15: the emblem's shading
	levels      = 8   // shading levels across the emblem, before dithering
	dither      = shades - levels + 1
	fieldBytes  = 1200 // what a flat field of this size costs, about
	maxTries    = 5
	tolerance   = 0.08 // how close to its target a file must land
)

// Heights give the aspect ratios of real flags: 1:2, 10:19, 5:9, 3:5, 5:8, 2:3.
var flagHeights = [...]int{250, 263, 278, 300, 313, 334}

// flagColors are the colours flags use most.
var flagColors = [...]color.RGBA{
	{206, 17, 38, 255},   // red
	{255, 255, 255, 255}, // white
	{0, 56, 147, 255},    // blue
	{0, 122, 61, 255},    // green
	{252, 209, 22, 255},  // yellow
	{0, 0, 0, 255},       // black
	{255, 130, 0, 255},   // orange
	{117, 170, 219, 255}, // sky blue
	{128, 0, 32, 255},    // maroon
	{0, 36, 125, 255},    // navy
}

// targetSize maps p in [0, 1) to a file size spread like the real set's:
// from 5.6 KB, mostly small, a long tail to about 37 KB, 12 KB on average
// when p is spread evenly (the mean of p^3.9 is 1/4.9).
func targetSize(p float64) int {
	return 5600 + int(31500*math.Pow(p, 3.9))
}

// design is everything about a flag that does not depend on the emblem's area.
type design struct {
	seed    uint64
	height  int
	layout  int
	palette color.Palette
	hoist   bool // the emblem sits on the hoist side rather than the centre
}

func newDesign(cc string) design {
	h := fnv.New64a()
	h.Write([]byte(cc))
	r := rng(h.Sum64())
	d := design{seed: r.next()}
	d.height = flagHeights[r.intn(len(flagHeights))]
	d.layout = r.intn(len(layouts))
	d.hoist = r.intn(3) == 0
	// Four distinct field colours, then a shading between two more.
	picks := make([]int, 0, fieldColors+2)
	for len(picks) < fieldColors+2 {
		c := r.intn(len(flagColors))
		switch {
		case len(picks) < fieldColors && slices.Contains(picks, c):
			continue // the field's colours are distinct
		case len(picks) == fieldColors+1 && c == picks[fieldColors]:
			continue // so are the ends of the shading
		}
		picks = append(picks, c)
	}
	for _, c := range picks[:fieldColors] {
		d.palette = append(d.palette, flagColors[c])
	}
	from, to := flagColors[picks[fieldColors]], flagColors[picks[fieldColors+1]]
	for i := range shades {
		d.palette = append(d.palette, mix(from, to, float64(i)/(shades-1)))
	}
	return d
}

// generate draws cc's flag with an emblem sized so that the GIF lands within
// tolerance of target bytes, and returns the encoded file. The result
// depends only on cc and target.
func generate(cc string, target int) []byte {
	d := newDesign(cc)
	img := image.NewPaletted(image.Rect(0, 0, flagWidth, d.height), d.palette)
	maxArea := flagWidth * d.height * 9 / 10
	area := emblemArea(target)
	layouts[d.layout](img.Pix, flagWidth, d.height)
	field := bytes.Clone(img.Pix)
	var buf bytes.Buffer
	for range maxTries {
		area = min(max(area, 400), maxArea)
		copy(img.Pix, field)
		d.emblem(img, area)
		buf.Reset()
		if err := gif.Encode(&buf, img, nil); err != nil {
			panic("dataset: encoding a generated flag: " + err.Error()) // only a broken image could fail
		}
		got := buf.Len()
		if math.Abs(float64(got-target)) <= tolerance*float64(target) {
			break
		}
		area = int(float64(area) * float64(target-fieldBytes) / float64(max(got-fieldBytes, 1)))
	}
	return bytes.Clone(buf.Bytes())
}

// emblemArea guesses the emblem area that makes a file of target bytes.
// LZW's dictionary learns the dither, so a dithered pixel costs a little less
// the more of them there are: measured, bytesPerPixel(a) ≈ 0.53 − 0.051·ln(a/8800).
// A few rounds of area = (target − field) / bytesPerPixel(area) converge.
func emblemArea(target int) int {
	area := float64(target-fieldBytes) * 2
	for range 4 {
		bpp := 0.53 - 0.051*math.Log(max(area, 1)/8800)
		area = float64(target-fieldBytes) / bpp
	}
	return int(area)
}

// emblem paints an emblem of about area pixels over the field.
func (d design) emblem(img *image.Paletted, area int) {
	r := rng(d.seed)
	cx, cy := flagWidth/2, d.height/2
	if d.hoist {
		cx = flagWidth / 4
	}
	radius := int(math.Sqrt(float64(area) / math.Pi))
	if radius <= min(cx, cy)-4 {
		for y := cy - radius; y <= cy+radius; y++ {
			for x := cx - radius; x <= cx+radius; x++ {
				dx, dy := x-cx, y-cy
				dist2 := dx*dx + dy*dy
				if dist2 > radius*radius {
					continue
				}
				level := levels - 1 - int(math.Sqrt(float64(dist2)))*levels/(radius+1)
				img.Pix[y*flagWidth+x] = uint8(fieldColors + level + r.intn(dither))
			}
		}
		return
	}
	// Too big for a disc: a full-width band through the middle, shaded
	// from hoist to fly.
	band := min(area/flagWidth, d.height)
	top := (d.height - band) / 2
	for y := top; y < top+band; y++ {
		for x := range flagWidth {
			level := x * levels / flagWidth
			img.Pix[y*flagWidth+x] = uint8(fieldColors + level + r.intn(dither))
		}
	}
}

// layouts paint a field in palette entries 0–3 on a w×h image.
var layouts = [...]func(pix []uint8, w, h int){
	func(pix []uint8, w, h int) { // horizontal triband
		fill(pix, w, h, func(x, y int) uint8 { return uint8(y * 3 / h) })
	},
	func(pix []uint8, w, h int) { // vertical triband
		fill(pix, w, h, func(x, y int) uint8 { return uint8(x * 3 / w) })
	},
	func(pix []uint8, w, h int) { // horizontal bicolour
		fill(pix, w, h, func(x, y int) uint8 { return uint8(y * 2 / h) })
	},
	func(pix []uint8, w, h int) { // Nordic cross
		fill(pix, w, h, func(x, y int) uint8 {
			if abs(x-w*3/8) < h/10 || abs(y-h/2) < h/10 {
				return 1
			}
			return 0
		})
	},
	func(pix []uint8, w, h int) { // canton and stripes
		fill(pix, w, h, func(x, y int) uint8 {
			if x < w*2/5 && y < h*7/13 {
				return 2
			}
			return uint8(y * 13 / h % 2)
		})
	},
	func(pix []uint8, w, h int) { // diagonal bicolour
		fill(pix, w, h, func(x, y int) uint8 {
			if x*h+y*w < w*h {
				return 0
			}
			return 1
		})
	},
	func(pix []uint8, w, h int) { // hoist triangle on two bands
		fill(pix, w, h, func(x, y int) uint8 {
			if x*2 < h-abs(2*y-h) {
				return 2
			}
			return uint8(y * 2 / h)
		})
	},
	func(pix []uint8, w, h int) { // bordered field
		fill(pix, w, h, func(x, y int) uint8 {
			if min(x, y, w-1-x, h-1-y) < h/12 {
				return 3
			}
			return 0
		})
	},
}

func fill(pix []uint8, w, h int, at func(x, y int) uint8) {
	for y := range h {
		row := pix[y*w : (y+1)*w]
		for x := range row {
			row[x] = at(x, y)
		}
	}
}

func mix(a, b color.RGBA, t float64) color.RGBA {
	lerp := func(p, q uint8) uint8 { return uint8(float64(p) + t*(float64(q)-float64(p)) + 0.5) }
	return color.RGBA{lerp(a.R, b.R), lerp(a.G, b.G), lerp(a.B, b.B), 255}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// rng is SplitMix64: tiny, fast, and fixed here so that the generated set
// does not change when math/rand does.
type rng uint64

func (r *rng) next() uint64 {
	*r += 0x9e3779b97f4a7c15
	z := uint64(*r)
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// intn returns a number in [0, n); the modulo bias is irrelevant here.
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// unit returns a number in [0, 1).
func (r *rng) unit() float64 { return float64(r.next()>>11) / (1 << 53) }
