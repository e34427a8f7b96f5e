//! Screenshots as PNG files: the headless tour's and the KMS writeback
//! captures'.

use std::path::Path;

use slint::Rgb8Pixel;

use super::AppError;

/// Writes `pixels` (`width` x `height`, row by row) to `path` as an RGB PNG.
pub(super) fn write_png(
    path: &Path,
    pixels: &[Rgb8Pixel],
    width: u32,
    height: u32,
) -> Result<(), AppError> {
    let err = |message: String| AppError::Output {
        path: path.to_path_buf(),
        message,
    };
    let file = std::fs::File::create(path).map_err(|e| err(e.to_string()))?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| err(e.to_string()))?;
    let bytes: Vec<u8> = pixels.iter().flat_map(|p| [p.r, p.g, p.b]).collect();
    writer
        .write_image_data(&bytes)
        .map_err(|e| err(e.to_string()))?;
    writer.finish().map_err(|e| err(e.to_string()))
}
