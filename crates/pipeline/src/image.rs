//! Image front end: bounded decoding of client bytes, EXIF orientation and capture time.
//!
//! Everything a client sends passes here first, so every check happens before any large
//! allocation: the byte size, the format by its magic bytes, the declared canvas size
//! (decompression bombs), and only then the decode itself, under the decoder's own limits.

use std::io::Cursor;

use chrono::NaiveDateTime;
use image::{ImageFormat, ImageReader, RgbImage};

/// Limits applied to every decoded image.
#[derive(Debug, Clone)]
pub struct ImageLimits {
    /// Largest accepted encoded size. Default 3 MB: the hosted API's documented limit.
    pub max_bytes: usize,
    /// Largest accepted canvas, in pixels, read from the header before decoding.
    /// Default 40 MP: above any phone camera's output; a 100000 x 100000 PNG is refused
    /// before a byte of it is inflated.
    pub max_pixels: u64,
    /// Largest accepted side. Default 12000 px: guards the per-row buffers of decoders.
    pub max_side: u32,
}

impl Default for ImageLimits {
    fn default() -> Self {
        ImageLimits {
            max_bytes: 3 * 1024 * 1024,
            max_pixels: 40_000_000,
            max_side: 12_000,
        }
    }
}

impl ImageLimits {
    /// The limits for one liveness frame: at most 500 KB (api.md).
    pub fn liveness_frame() -> Self {
        ImageLimits {
            max_bytes: 500 * 1024,
            ..ImageLimits::default()
        }
    }
}

/// Why client bytes are not an acceptable image. Each maps to one HTTP status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("image is empty")]
    Empty,
    #[error("image is {size} bytes, over the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("image is not JPEG or PNG")]
    UnsupportedFormat,
    #[error("image canvas {width}x{height} is over the limit of {limit} pixels")]
    TooManyPixels { width: u32, height: u32, limit: u64 },
    #[error("image data is truncated")]
    Truncated,
    #[error("image could not be decoded: {0}")]
    Corrupt(String),
}

/// A decoded, upright RGB image and what its metadata said.
#[derive(Debug, Clone)]
pub struct DecodedImage {
    pub rgb: RgbImage,
    pub format: ImageFormat,
    /// EXIF orientation (1-8) that was applied; 1 when absent.
    pub exif_orientation: u16,
    /// EXIF capture time (DateTimeOriginal plus sub-seconds), when present.
    pub captured_at: Option<NaiveDateTime>,
}

/// Sniffs the format from the magic bytes; only JPEG and PNG are accepted.
pub fn sniff_format(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageFormat::Png)
    } else {
        None
    }
}

/// Decodes client bytes under `limits`, applies the EXIF orientation, returns RGB.
pub fn decode(bytes: &[u8], limits: &ImageLimits) -> Result<DecodedImage, ImageError> {
    if bytes.is_empty() {
        return Err(ImageError::Empty);
    }
    if bytes.len() > limits.max_bytes {
        return Err(ImageError::TooLarge {
            size: bytes.len(),
            limit: limits.max_bytes,
        });
    }
    let format = sniff_format(bytes).ok_or(ImageError::UnsupportedFormat)?;
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|e| ImageError::Corrupt(e.to_string()))?;
    if width == 0 || height == 0 {
        return Err(ImageError::Corrupt("image has no pixels".into()));
    }
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.max_pixels || width > limits.max_side || height > limits.max_side {
        return Err(ImageError::TooManyPixels {
            width,
            height,
            limit: limits.max_pixels,
        });
    }
    if format == ImageFormat::Jpeg && !jpeg_has_end(bytes) {
        // zune-jpeg fills a truncated scan with grey and reports success; a cut upload
        // must be refused, not read as half a card.
        return Err(ImageError::Truncated);
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut decoder_limits = image::Limits::default();
    decoder_limits.max_image_width = Some(limits.max_side);
    decoder_limits.max_image_height = Some(limits.max_side);
    // RGBA at 16 bits a channel is the widest a PNG decodes to.
    decoder_limits.max_alloc = Some(limits.max_pixels * 8 + (64 << 20));
    reader.limits(decoder_limits);
    let img = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => ImageError::TooManyPixels {
            width,
            height,
            limit: limits.max_pixels,
        },
        image::ImageError::IoError(ref io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            ImageError::Truncated
        }
        other => ImageError::Corrupt(other.to_string()),
    })?;
    let (orientation, captured_at) = read_exif(bytes);
    let rgb = apply_orientation(img.into_rgb8(), orientation);
    Ok(DecodedImage {
        rgb,
        format,
        exif_orientation: orientation,
        captured_at,
    })
}

/// True when a JPEG's last scan is followed by an EOI marker. Entropy-coded data stuffs
/// every 0xFF with 0x00, so `FF D9` after the last SOS can only be the real end.
fn jpeg_has_end(bytes: &[u8]) -> bool {
    let last_sos = bytes.windows(2).rposition(|w| w == [0xFF, 0xDA]);
    match last_sos {
        Some(sos) => bytes[sos..].windows(2).any(|w| w == [0xFF, 0xD9]),
        None => false,
    }
}

fn read_exif(bytes: &[u8]) -> (u16, Option<NaiveDateTime>) {
    let Ok(exif) = exif::Reader::new().read_from_container(&mut Cursor::new(bytes)) else {
        return (1, None);
    };
    let orientation = exif
        .get_field(exif::Tag::Orientation, exif::In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
        .and_then(|v| u16::try_from(v).ok())
        .filter(|v| (1..=8).contains(v))
        .unwrap_or(1);
    let captured_at = exif
        .get_field(exif::Tag::DateTimeOriginal, exif::In::PRIMARY)
        .and_then(|f| match &f.value {
            exif::Value::Ascii(v) => v.first().cloned(),
            _ => None,
        })
        .and_then(|raw| exif::DateTime::from_ascii(&raw).ok())
        .and_then(|dt| {
            let date = chrono::NaiveDate::from_ymd_opt(
                i32::from(dt.year),
                u32::from(dt.month),
                u32::from(dt.day),
            )?;
            let subsec = exif
                .get_field(exif::Tag::SubSecTimeOriginal, exif::In::PRIMARY)
                .and_then(|f| match &f.value {
                    exif::Value::Ascii(v) => v.first().cloned(),
                    _ => None,
                })
                .map(|s| subsec_to_nanos(&s))
                .unwrap_or(0);
            date.and_hms_nano_opt(
                u32::from(dt.hour),
                u32::from(dt.minute),
                u32::from(dt.second),
                subsec,
            )
        });
    (orientation, captured_at)
}

/// EXIF sub-seconds are the decimal digits after the point: "5" is 0.5 s, "053" 0.053 s.
fn subsec_to_nanos(raw: &[u8]) -> u32 {
    let digits: String = raw
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .take(9)
        .map(|&b| b as char)
        .collect();
    if digits.is_empty() {
        return 0;
    }
    let scale = 10u32.pow(9 - digits.len() as u32);
    digits.parse::<u32>().unwrap_or(0) * scale
}

/// Rotates/flips so that the image is upright, per the EXIF orientation tag.
pub fn apply_orientation(img: RgbImage, orientation: u16) -> RgbImage {
    use image::imageops;
    match orientation {
        2 => imageops::flip_horizontal(&img),
        3 => imageops::rotate180(&img),
        4 => imageops::flip_vertical(&img),
        5 => imageops::flip_horizontal(&imageops::rotate90(&img)),
        6 => imageops::rotate90(&img),
        7 => imageops::flip_horizontal(&imageops::rotate270(&img)),
        8 => imageops::rotate270(&img),
        _ => img,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(img: &RgbImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    #[test]
    fn decodes_png_and_jpeg() {
        let img = RgbImage::from_fn(64, 32, |x, y| image::Rgb([x as u8 * 3, y as u8 * 5, 90]));
        for format in [ImageFormat::Png, ImageFormat::Jpeg] {
            let d = decode(&encode(&img, format), &ImageLimits::default()).unwrap();
            assert_eq!(d.rgb.dimensions(), (64, 32));
            assert_eq!(d.format, format);
        }
    }

    #[test]
    fn refuses_truncated_jpeg() {
        let img = RgbImage::from_fn(200, 200, |x, y| image::Rgb([(x ^ y) as u8, 20, 200]));
        let bytes = encode(&img, ImageFormat::Jpeg);
        let cut = &bytes[..bytes.len() / 2];
        assert_eq!(
            decode(cut, &ImageLimits::default()).unwrap_err(),
            ImageError::Truncated
        );
    }

    #[test]
    fn refuses_other_formats_and_size() {
        assert_eq!(
            decode(b"GIF89a....", &ImageLimits::default()).unwrap_err(),
            ImageError::UnsupportedFormat
        );
        let limits = ImageLimits {
            max_bytes: 10,
            ..Default::default()
        };
        assert!(matches!(
            decode(&[0u8; 11], &limits),
            Err(ImageError::TooLarge { .. })
        ));
    }

    #[test]
    fn subseconds() {
        assert_eq!(subsec_to_nanos(b"5"), 500_000_000);
        assert_eq!(subsec_to_nanos(b"053"), 53_000_000);
        assert_eq!(subsec_to_nanos(b""), 0);
    }

    #[test]
    fn orientation_6_rotates_clockwise() {
        let img = RgbImage::new(40, 10);
        assert_eq!(apply_orientation(img, 6).dimensions(), (10, 40));
    }
}
