fn main() {
    factory5g::cli::report_panics();
    std::process::exit(factory5g::cli::main());
}
