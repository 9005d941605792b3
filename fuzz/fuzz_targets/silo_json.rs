//! `silo.json` parsing never panics; a configuration that parses prints back to JSON that parses
//! to an equal configuration.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ticket_core::SiloConfig;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(config) = SiloConfig::from_json_str(text, "silo.json") {
        let printed = config.to_json_pretty();
        let again = SiloConfig::from_json_str(&printed, "silo.json")
            .unwrap_or_else(|e| panic!("printed configuration does not parse: {e}\n{printed}"));
        assert_eq!(config, again, "round trip changed the configuration");
    }
});
