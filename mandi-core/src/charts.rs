//! Price charts as PNG images (feature `charts`), one renderer for the CLI and the bot.
//!
//! The chart shows the price as steps, the lowest / average / highest price of the window as
//! dashed lines, the current price, festival sales shaded in amber and spans with no known
//! price (stock-outs, failed fetches) shaded in grey, with dates in IST. Text is drawn with an
//! embedded subset of DejaVu Sans (it has the ₹ sign), so no system fonts are needed and the
//! output is the same on every machine.

use std::sync::OnceLock;

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Asia::Kolkata;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

use crate::analytics::{calendar, series};
use crate::domain::{Money, PricePoint};

/// The embedded font (DejaVu Sans subset; licence in `assets/LICENSE-DejaVu.txt`).
const FONT: &[u8] = include_bytes!("../assets/DejaVuSans-subset.ttf");
const FAMILY: &str = "sans-serif";

/// Why a chart could not be drawn.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChartError {
    /// There is no known price in the requested window.
    #[error("no known price in the last {days} days to chart")]
    NoData {
        /// The window asked for.
        days: u32,
    },
    /// The options are out of range.
    #[error("invalid chart options: {0}")]
    InvalidOptions(String),
    /// Drawing or encoding failed.
    #[error("could not draw the chart: {0}")]
    Render(String),
}

/// Size, window and title of a chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartOptions {
    /// Width in pixels (200–4000).
    pub width: u32,
    /// Height in pixels (150–3000).
    pub height: u32,
    /// How many days back from `now` to show (1–3650).
    pub days: u32,
    /// A title (the product name), if any.
    pub title: Option<String>,
}

impl Default for ChartOptions {
    fn default() -> Self {
        Self {
            width: 1000,
            height: 500,
            days: 90,
            title: None,
        }
    }
}

impl ChartOptions {
    /// A small chart for alert messages (600×300).
    pub fn mini(days: u32) -> Self {
        Self {
            width: 600,
            height: 300,
            days,
            title: None,
        }
    }

    fn validate(&self) -> Result<(), ChartError> {
        if !(200..=4000).contains(&self.width) || !(150..=3000).contains(&self.height) {
            return Err(ChartError::InvalidOptions(format!(
                "size must be 200–4000 × 150–3000 pixels, got {}×{}",
                self.width, self.height
            )));
        }
        if !(1..=3650).contains(&self.days) {
            return Err(ChartError::InvalidOptions(format!(
                "days must be 1–3650, got {}",
                self.days
            )));
        }
        Ok(())
    }
}

fn ensure_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            register_font(FAMILY, FontStyle::Normal, FONT)
                .map_err(|_| "the embedded font could not be loaded".to_owned())
        })
        .clone()
        .map_err(ChartError::Render)
}

fn render_err<E: std::fmt::Debug>(e: E) -> ChartError {
    ChartError::Render(format!("{e:?}"))
}

fn ist_label(ts: i64) -> String {
    match Utc.timestamp_opt(ts, 0).single() {
        Some(t) => t.with_timezone(&Kolkata).format("%d %b").to_string(),
        None => String::new(),
    }
}

/// Renders a product's price history (one offer kind, any order) as a PNG.
///
/// # Errors
///
/// [`ChartError::NoData`] when no price is known in the window, [`ChartError::InvalidOptions`]
/// for out-of-range options, [`ChartError::Render`] if drawing fails.
///
/// # Examples
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use mandi_core::charts::{render_price_chart, ChartOptions};
/// use mandi_core::{Asin, Availability, Currency, DataOrigin, Marketplace, Money, OfferKind, PricePoint};
/// let asin: Asin = "B0CX59H5W7".parse()?;
/// let t0 = Utc.with_ymd_and_hms(2026, 9, 1, 0, 0, 0).unwrap();
/// let history: Vec<PricePoint> = (0..60).map(|d| PricePoint {
///     marketplace: Marketplace::India, asin, offer_kind: OfferKind::BuyBox,
///     at: t0 + Duration::days(d), price: Some(Money::from_major(50_000 - d * 100, Currency::INR)),
///     list_price: None, availability: Availability::InStock, deal_badge: None, origin: DataOrigin::Api,
/// }).collect();
/// let png = render_price_chart(&history, t0 + Duration::days(60), &ChartOptions::default())?;
/// assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn render_price_chart(
    history: &[PricePoint],
    now: DateTime<Utc>,
    options: &ChartOptions,
) -> Result<Vec<u8>, ChartError> {
    options.validate()?;
    ensure_font()?;
    let from = now - Duration::days(i64::from(options.days));
    let currency = series::currency_of(history).ok_or(ChartError::NoData { days: options.days })?;
    let all = series::segments(history, now, currency);
    let segments = series::clip(&all, from, now);
    let known: Vec<&series::Segment> = segments.iter().filter(|s| s.price.is_some()).collect();
    if known.is_empty() {
        return Err(ChartError::NoData { days: options.days });
    }
    let prices: Vec<i64> = known
        .iter()
        .filter_map(|s| s.price.map(|m| m.minor()))
        .collect();
    let lo = prices.iter().copied().min().unwrap_or(0);
    let hi = prices.iter().copied().max().unwrap_or(0);
    let avg = series::time_weighted_average(segments.iter().copied()).map_or(lo, |m| m.minor());
    let pad = ((hi - lo) / 8).max(hi / 50).max(100);
    let (y0, y1) = ((lo - pad).max(0), hi + pad);
    let (x0, x1) = (from.timestamp(), now.timestamp());
    // Amounts are written the way the product's marketplace writes them (`1.299 €` on
    // amazon.de, `₹1,29,999` on amazon.in).
    let marketplace = history.first().map(|p| p.marketplace).unwrap_or_default();
    let money = |minor: i64| {
        Money::from_minor(minor, currency)
            .display_in(marketplace)
            .to_string()
    };

    let (w, h) = (options.width, options.height);
    let mut buffer = vec![0u8; (w as usize) * (h as usize) * 3];
    {
        let root = BitMapBackend::with_buffer(&mut buffer, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(render_err)?;
        let small = (FAMILY, (h / 28).clamp(10, 18)).into_font();
        let caption_size = (h / 20).clamp(12, 26);
        // Long product titles are cut to what fits (a glyph is about half the font size wide).
        let fits = usize::try_from(w.saturating_sub(24) * 2 / caption_size).unwrap_or(80);
        let caption = options
            .title
            .clone()
            .unwrap_or_else(|| format!("Price, last {} days", options.days));
        let caption = if caption.chars().count() > fits {
            let mut cut: String = caption.chars().take(fits.saturating_sub(1)).collect();
            cut.push('…');
            cut
        } else {
            caption
        };
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .caption(caption, (FAMILY, caption_size))
            .x_label_area_size(h / 12)
            .y_label_area_size(w / 9)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(render_err)?;
        chart
            .configure_mesh()
            .light_line_style(RGBColor(235, 235, 235))
            .x_labels(6)
            .y_labels(6)
            .x_label_formatter(&|ts| ist_label(*ts))
            .y_label_formatter(&|v| money(*v))
            .label_style(small.clone())
            .x_desc("date (IST)")
            .draw()
            .map_err(render_err)?;

        // Festival sales, shaded amber and named (names drawn last, above every shading).
        let mut festival_labels: Vec<(String, i64)> = Vec::new();
        let (first_year, last_year) = (
            from.with_timezone(&Kolkata).date_naive(),
            now.with_timezone(&Kolkata).date_naive(),
        );
        for year in chrono::Datelike::year(&first_year)..=chrono::Datelike::year(&last_year) {
            for window in calendar::sale_windows(year) {
                let start = window
                    .start
                    .and_hms_opt(0, 0, 0)
                    .and_then(|t| t.and_local_timezone(Kolkata).single())
                    .map(|t| t.timestamp());
                let end = window
                    .end
                    .and_hms_opt(23, 59, 59)
                    .and_then(|t| t.and_local_timezone(Kolkata).single())
                    .map(|t| t.timestamp());
                let (Some(s), Some(e)) = (start, end) else {
                    continue;
                };
                if e < x0 || s > x1 {
                    continue;
                }
                let (s, e) = (s.max(x0), e.min(x1));
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(s, y0), (e, y1)],
                        RGBColor(255, 236, 179).filled(),
                    )))
                    .map_err(render_err)?;
                festival_labels.push((window.name.clone(), s));
            }
        }

        // Spans with no known price, shaded grey.
        chart
            .draw_series(segments.iter().filter(|s| s.price.is_none()).map(|s| {
                Rectangle::new(
                    [(s.start, y0), (s.end, y1)],
                    RGBColor(220, 220, 220).filled(),
                )
            }))
            .map_err(render_err)?
            .label("price unknown / out of stock")
            .legend(|(x, y)| {
                Rectangle::new(
                    [(x, y - 5), (x + 14, y + 5)],
                    RGBColor(220, 220, 220).filled(),
                )
            });

        for (name, at) in festival_labels {
            chart
                .draw_series(std::iter::once(Text::new(
                    name,
                    (at, y1 - pad / 3),
                    small.clone().color(&RGBColor(150, 100, 0)),
                )))
                .map_err(render_err)?;
        }

        // Lowest, average and highest, dashed.
        for (value, colour, name) in [
            (lo, RGBColor(46, 125, 50), "lowest"),
            (avg, RGBColor(21, 101, 192), "average"),
            (hi, RGBColor(198, 40, 40), "highest"),
        ] {
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(x0, value), (x1, value)],
                    6,
                    4,
                    colour.stroke_width(1),
                ))
                .map_err(render_err)?
                .label(format!("{name} {}", money(value)))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 14, y)], colour.stroke_width(2))
                });
        }

        // The price as steps; a gap breaks the line.
        let line = RGBColor(33, 33, 33).stroke_width(2);
        let mut run: Vec<(i64, i64)> = Vec::new();
        let mut runs: Vec<Vec<(i64, i64)>> = Vec::new();
        for s in &segments {
            match s.price {
                Some(p) => {
                    run.push((s.start, p.minor()));
                    run.push((s.end, p.minor()));
                }
                None => {
                    if !run.is_empty() {
                        runs.push(std::mem::take(&mut run));
                    }
                }
            }
        }
        if !run.is_empty() {
            runs.push(run);
        }
        for r in runs {
            chart
                .draw_series(LineSeries::new(r, line))
                .map_err(render_err)?;
        }

        // The current price.
        if let Some(last) = known.last().and_then(|s| s.price) {
            let at = known.last().map_or(x1, |s| s.end);
            chart
                .draw_series(std::iter::once(Circle::new(
                    (at, last.minor()),
                    5,
                    RGBColor(255, 111, 0).filled(),
                )))
                .map_err(render_err)?
                .label(format!("now {}", last.display_short()))
                .legend(|(x, y)| Circle::new((x + 7, y), 4, RGBColor(255, 111, 0).filled()));
        }
        chart
            .configure_series_labels()
            .label_font(small)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            .position(SeriesLabelPosition::LowerLeft)
            .draw()
            .map_err(render_err)?;
        root.present().map_err(render_err)?;
    }
    encode_png(&buffer, w, h)
}

/// One line of an index chart: a name and its values (100 = the start) at moments.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexLine {
    /// The line's name (a category).
    pub name: String,
    /// (moment, index value), in time order.
    pub points: Vec<(DateTime<Utc>, f64)>,
}

/// Renders price indexes (a market report's category price index, 100 at the start of the
/// period) as a PNG: one coloured line per category, a dashed line at 100, dates in IST.
/// `options.days` is not used (the lines carry their moments).
///
/// # Errors
///
/// [`ChartError::NoData`] when no line has two points or more, [`ChartError::InvalidOptions`]
/// for out-of-range options, [`ChartError::Render`] if drawing fails.
pub fn render_index_chart(
    lines: &[IndexLine],
    options: &ChartOptions,
) -> Result<Vec<u8>, ChartError> {
    options.validate()?;
    ensure_font()?;
    let drawn: Vec<&IndexLine> = lines
        .iter()
        .filter(|l| l.points.len() >= 2 && l.points.iter().all(|(_, v)| v.is_finite()))
        .collect();
    let (Some(x0), Some(x1)) = (
        drawn
            .iter()
            .filter_map(|l| l.points.first())
            .map(|(t, _)| t.timestamp())
            .min(),
        drawn
            .iter()
            .filter_map(|l| l.points.last())
            .map(|(t, _)| t.timestamp())
            .max(),
    ) else {
        return Err(ChartError::NoData { days: options.days });
    };
    let values = drawn.iter().flat_map(|l| l.points.iter().map(|(_, v)| *v));
    let (lo, hi) = values.fold((100.0f64, 100.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let pad = ((hi - lo) / 8.0).max(0.5);
    let (y0, y1) = (lo - pad, hi + pad);
    let x1 = x1.max(x0 + 1);
    const COLOURS: [RGBColor; 8] = [
        RGBColor(21, 101, 192),
        RGBColor(198, 40, 40),
        RGBColor(46, 125, 50),
        RGBColor(255, 111, 0),
        RGBColor(106, 27, 154),
        RGBColor(0, 131, 143),
        RGBColor(93, 64, 55),
        RGBColor(84, 110, 122),
    ];
    let (w, h) = (options.width, options.height);
    let mut buffer = vec![0u8; (w as usize) * (h as usize) * 3];
    {
        let root = BitMapBackend::with_buffer(&mut buffer, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(render_err)?;
        let small = (FAMILY, (h / 28).clamp(10, 18)).into_font();
        let caption = options
            .title
            .clone()
            .unwrap_or_else(|| "Category price index (100 = start)".to_owned());
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .caption(caption, (FAMILY, (h / 20).clamp(12, 26)))
            .x_label_area_size(h / 12)
            .y_label_area_size(w / 12)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(render_err)?;
        chart
            .configure_mesh()
            .light_line_style(RGBColor(235, 235, 235))
            .x_labels(6)
            .y_labels(6)
            .x_label_formatter(&|ts| ist_label(*ts))
            .y_label_formatter(&|v| format!("{v:.1}"))
            .label_style(small.clone())
            .x_desc("date (IST)")
            .draw()
            .map_err(render_err)?;
        chart
            .draw_series(DashedLineSeries::new(
                vec![(x0, 100.0), (x1, 100.0)],
                6,
                4,
                RGBColor(120, 120, 120).stroke_width(1),
            ))
            .map_err(render_err)?;
        for (i, line) in drawn.iter().enumerate() {
            let colour = COLOURS[i % COLOURS.len()];
            let last = line.points.last().map_or(100.0, |(_, v)| *v);
            chart
                .draw_series(LineSeries::new(
                    line.points.iter().map(|(t, v)| (t.timestamp(), *v)),
                    colour.stroke_width(2),
                ))
                .map_err(render_err)?
                .label(format!(
                    "{} {:+}",
                    line.name,
                    crate::domain::Bps::from_ratio((last - 100.0) / 100.0).unwrap_or_default()
                ))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 14, y)], colour.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .label_font(small)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(render_err)?;
        root.present().map_err(render_err)?;
    }
    encode_png(&buffer, w, h)
}

fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(render_err)?;
        writer.write_image_data(rgb).map_err(render_err)?;
        writer.finish().map_err(render_err)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Asin, Availability, Currency, DataOrigin, Marketplace, OfferKind};

    fn history(days: i64, unknown_from: Option<i64>) -> (Vec<PricePoint>, DateTime<Utc>) {
        let asin: Asin = "B0CX59H5W7".parse().expect("asin");
        let t0 = Utc
            .with_ymd_and_hms(2026, 9, 1, 0, 0, 0)
            .single()
            .expect("date");
        let points = (0..days)
            .map(|d| {
                let unknown = unknown_from.is_some_and(|u| (u..u + 5).contains(&d));
                PricePoint {
                    marketplace: Marketplace::India,
                    asin,
                    offer_kind: OfferKind::BuyBox,
                    at: t0 + Duration::days(d),
                    price: (!unknown)
                        .then(|| Money::from_major(60_000 - (d % 9) * 700, Currency::INR)),
                    list_price: None,
                    availability: if unknown {
                        Availability::OutOfStock
                    } else {
                        Availability::InStock
                    },
                    deal_badge: None,
                    origin: DataOrigin::Api,
                }
            })
            .collect();
        (points, t0 + Duration::days(days))
    }

    fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let mut reader = decoder.read_info().expect("png header");
        let mut buf = vec![0; reader.output_buffer_size().expect("size")];
        let info = reader.next_frame(&mut buf).expect("frame");
        buf.truncate(info.buffer_size());
        (info.width, info.height, buf)
    }

    #[test]
    fn renders_a_png_of_the_requested_size_with_drawn_content() {
        let (h, now) = history(90, Some(40));
        let bytes = render_price_chart(&h, now, &ChartOptions::default()).expect("chart");
        let (w, hgt, pixels) = decode(&bytes);
        assert_eq!((w, hgt), (1000, 500));
        let non_white = pixels.chunks(3).filter(|p| p != &[255, 255, 255]).count();
        assert!(non_white > 10_000, "only {non_white} drawn pixels");
        // The grey of the unknown span and the amber of the Great Indian Festival 2026 are drawn.
        assert!(pixels.chunks(3).any(|p| p == [220, 220, 220]));
        assert!(pixels.chunks(3).any(|p| p == [255, 236, 179]));
    }

    #[test]
    fn rendering_is_deterministic() {
        let (h, now) = history(30, None);
        let a = render_price_chart(&h, now, &ChartOptions::mini(30)).expect("chart");
        let b = render_price_chart(&h, now, &ChartOptions::mini(30)).expect("chart");
        assert_eq!(a, b);
    }

    #[test]
    fn no_known_price_is_a_clear_error() {
        let (h, now) = history(10, None);
        assert_eq!(
            render_price_chart(&h, now + Duration::days(400), &ChartOptions::mini(30)),
            Err(ChartError::NoData { days: 30 })
        );
        assert_eq!(
            render_price_chart(&[], now, &ChartOptions::mini(30)),
            Err(ChartError::NoData { days: 30 })
        );
    }

    #[test]
    fn out_of_range_options_are_refused() {
        let (h, now) = history(10, None);
        let bad = ChartOptions {
            width: 10,
            ..ChartOptions::default()
        };
        assert!(matches!(
            render_price_chart(&h, now, &bad),
            Err(ChartError::InvalidOptions(_))
        ));
        let bad = ChartOptions {
            days: 0,
            ..ChartOptions::default()
        };
        assert!(matches!(
            render_price_chart(&h, now, &bad),
            Err(ChartError::InvalidOptions(_))
        ));
    }

    #[test]
    fn the_embedded_font_has_the_rupee_sign() {
        use ab_glyph::Font as _;
        ensure_font().expect("font registers");
        let font = ab_glyph::FontRef::try_from_slice(FONT).expect("parse font");
        for ch in ['₹', '0', 'A', ',', '→'] {
            assert_ne!(
                font.glyph_id(ch).0,
                0,
                "{ch} missing from the embedded font"
            );
        }
    }

    #[test]
    #[ignore = "writes a sample chart to the temp dir for a person to look at"]
    fn write_sample_chart() {
        let (h, now) = history(90, Some(40));
        let bytes = render_price_chart(
            &h,
            now,
            &ChartOptions {
                title: Some("Sample phone".into()),
                ..ChartOptions::default()
            },
        )
        .expect("chart");
        std::fs::write(std::env::temp_dir().join("mandi-sample-chart.png"), bytes).expect("write");
    }
}
