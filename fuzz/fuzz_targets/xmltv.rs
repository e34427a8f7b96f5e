//! Any bytes through the guide import's reader as the guide refresh runs it:
//! gzip/xz detection with its bounds (`guide::open_decompressed_limited`, a
//! 1 MiB cap here so that inputs reach it), then the streaming XMLTV reader
//! (`guide::read_xmltv`): records or an error, never a panic or unbounded
//! memory.
#![no_main]

use libfuzzer_sys::fuzz_target;

const LIMITS: hustings::guide::DecompressLimits = hustings::guide::DecompressLimits {
    max_output: 1 << 20,
    max_ratio: 100,
};

fuzz_target!(|data: &[u8]| {
    let input = std::io::Cursor::new(data.to_vec());
    let Ok(reader) = hustings::guide::open_decompressed_limited(input, LIMITS) else {
        return;
    };
    let _ = hustings::guide::read_xmltv(reader, "fuzz.xml", &mut |_record| Ok(()));
});
