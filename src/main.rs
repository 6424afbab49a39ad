use clap::Parser;

// The server copies many small values between SQLite's connection threads and the
// async workers; glibc's allocator serialises those threads on its arenas' locks.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> color_eyre::Result<()> {
    // color-eyre formats panics; errors a user can act on are one plain line below.
    color_eyre::install()?;
    let cli = desk::cli::Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let code = match runtime.block_on(desk::cli::run(cli)) {
        Ok(code) => code,
        Err(report) => {
            // "desk serve cannot start: cannot listen on 127.0.0.1:7420: Address in use"
            let chain: Vec<String> = report.chain().map(ToString::to_string).collect();
            eprintln!("desk: {}", chain.join(": "));
            1
        }
    };
    std::process::exit(code);
}
