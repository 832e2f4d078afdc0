//! The `haven` binary: `haven serve` (the default) and `haven openapi`.

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};
use haven_api::{config::Settings, openapi, telemetry, Application};

#[derive(Parser)]
#[command(
    name = "haven",
    version,
    about = "Haven, the open e-invoicing platform"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the server (configuration from haven.toml / HAVEN_CONFIG and HAVEN_* variables).
    Serve,
    /// Write the OpenAPI document, or check that a committed copy is current.
    Openapi {
        /// Where to write it; `-` for standard output.
        #[arg(long, default_value = "openapi/openapi.json")]
        output: PathBuf,
        /// Compare with the file instead of writing it; exit 1 when it is stale.
        #[arg(long)]
        check: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(),
        Command::Openapi { output, check } => export_openapi(&output, check),
    }
}

fn serve() -> ExitCode {
    let loaded = match Settings::load() {
        Ok(loaded) => loaded,
        Err(err) => {
            eprintln!("haven: invalid configuration: {err:#}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(loaded.settings.log_format, &loaded.settings.log_level);
    for warning in &loaded.warnings {
        tracing::warn!("{warning}");
    }
    tracing::debug!(settings = ?loaded.settings, "configuration loaded");
    let result = actix_web::rt::System::new().block_on(async move {
        Application::build(loaded.settings)
            .await?
            .run_until_stopped()
            .await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error.cause_chain = ?err, "haven stopped with an error");
            eprintln!("haven: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn export_openapi(output: &PathBuf, check: bool) -> ExitCode {
    let json = openapi::spec_json();
    if output.as_os_str() == "-" {
        print!("{json}");
        return ExitCode::SUCCESS;
    }
    if check {
        return match std::fs::read_to_string(output) {
            Ok(committed) if committed == json => ExitCode::SUCCESS,
            Ok(_) => {
                eprintln!(
                    "{} is stale: run `make openapi` and commit the result",
                    output.display()
                );
                ExitCode::FAILURE
            }
            Err(err) => {
                eprintln!("could not read {}: {err}", output.display());
                ExitCode::FAILURE
            }
        };
    }
    match std::fs::write(output, json) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("could not write {}: {err}", output.display());
            ExitCode::from(2)
        }
    }
}
