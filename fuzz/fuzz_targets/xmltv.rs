//! Any bytes through the guide import's reader: gzip/xz detection
//! (`guide::open_decompressed`), then the streaming XMLTV reader
//! (`guide::read_xmltv`), as the guide refresh runs them: records or an
//! error, never a panic or unbounded memory.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(reader) = hustings::guide::open_decompressed(std::io::Cursor::new(data.to_vec())) else {
        return;
    };
    let _ = hustings::guide::read_xmltv(reader, "fuzz.xml", &mut |_record| Ok(()));
});
