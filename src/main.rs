fn main() {
    // A panic is a bug; if one slips through, say so plainly, without Rust's
    // debug text, and exit 1 (simulation failure), not 101.
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        eprintln!("internal error{place}: {msg}\nThis is a bug in factory5g; please report it with the scenario file.");
        std::process::exit(1);
    }));
    std::process::exit(factory5g::cli::main());
}
