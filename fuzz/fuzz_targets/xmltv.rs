//! Any bytes through the streaming XMLTV reader (with gzip/xz detection):
//! records or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(reader) = hustings::guide::open_decompressed(std::io::Cursor::new(data.to_vec())) else { return };
    let mut count = 0usize;
    let _ = hustings::guide::read_xmltv(reader, "fuzz.xml", &mut |_record| {
        count += 1;
        Ok(())
    });
});
