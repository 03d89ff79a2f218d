//! The image front end on raw client bytes: `hawiya_pipeline::image::decode` with the
//! server's default limits (3 MB, 40 MP, 12000 px a side). It must return an error, never
//! panic, hang or allocate past the limits.
#![no_main]

use hawiya_pipeline::image::{decode, ImageLimits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = ImageLimits::default();
    if let Ok(img) = decode(data, &limits) {
        let (w, h) = img.rgb.dimensions();
        assert!(u64::from(w) * u64::from(h) <= limits.max_pixels);
        assert!((1..=8).contains(&img.exif_orientation));
    }
    // The liveness frame limits take the same path with a smaller byte bound.
    let _ = decode(data, &ImageLimits::liveness_frame());
});
