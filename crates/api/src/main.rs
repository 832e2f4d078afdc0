//! The `haven` binary: `haven serve` (the default) and `haven openapi`.

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};
use haven_api::{config::Settings, openapi, telemetry, Application};
use haven_einvoice::rules::releases;
use haven_einvoice::{ReleaseId, Severity, ValidateOptions, ValidationReport};

/// mimalloc instead of the system allocator: see docs/performance.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Validate e-invoices (UBL, CII, Factur-X PDF) against EN 16931, Peppol BIS 3 and NLCIUS.
    /// Exit status: 0 all valid, 1 any invalid, 2 a file could not be read.
    Validate {
        /// The files to validate.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Also validate against this profile (peppol, nlcius, nlcius-cii, en16931, ...).
        #[arg(long)]
        profile: Option<String>,
        /// Apply this rule-set release (cen-1.3.16, peppol-3.0.19, nlcius-2.0.3.12, ...) instead
        /// of the one in force on each document's issue date.
        #[arg(long)]
        ruleset: Option<String>,
        /// Print the reports as JSON (one array) instead of text.
        #[arg(long)]
        json: bool,
    },
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
        Command::Validate {
            files,
            profile,
            ruleset,
            json,
        } => validate_files(&files, profile.as_deref(), ruleset.as_deref(), json),
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

fn validate_files(
    files: &[PathBuf],
    profile: Option<&str>,
    ruleset: Option<&str>,
    json: bool,
) -> ExitCode {
    let required_profile = match profile.map(str::parse) {
        None => None,
        Some(Ok(profile)) => Some(profile),
        Some(Err(_)) => {
            eprintln!("haven: unknown profile {:?}", profile.unwrap_or_default());
            return ExitCode::from(2);
        }
    };
    let rule_set = match ruleset.map(str::parse::<ReleaseId>) {
        None => None,
        Some(Ok(id)) if id.implemented() => Some(id),
        Some(result) => {
            let known: Vec<&str> = releases::selectable()
                .into_iter()
                .map(ReleaseId::as_str)
                .collect();
            let what = if result.is_ok() {
                "rule set not implemented"
            } else {
                "unknown rule set"
            };
            eprintln!(
                "haven: {what} {:?}; use one of {}",
                ruleset.unwrap_or_default(),
                known.join(", ")
            );
            return ExitCode::from(2);
        }
    };
    let options = ValidateOptions {
        required_profile,
        rule_set,
        ..ValidateOptions::default()
    };
    let mut unreadable = false;
    let mut invalid = false;
    let mut reports = Vec::new();
    for file in files {
        let bytes = match std::fs::read(file) {
            Ok(bytes) => bytes,
            Err(err) => {
                eprintln!("haven: could not read {}: {err}", file.display());
                unreadable = true;
                continue;
            }
        };
        let report = haven_einvoice::validate(&bytes, &options);
        invalid |= !report.valid;
        if json {
            reports.push(serde_json::json!({ "file": file, "report": report }));
        } else {
            print_report(file, &report);
        }
    }
    if json {
        match serde_json::to_string_pretty(&reports) {
            Ok(text) => println!("{text}"),
            Err(err) => {
                eprintln!("haven: could not write JSON: {err}");
                return ExitCode::from(2);
            }
        }
    }
    if unreadable {
        ExitCode::from(2)
    } else if invalid {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn print_report(file: &std::path::Path, report: &ValidationReport) {
    let verdict = if report.valid { "valid" } else { "INVALID" };
    println!(
        "{}: {verdict} ({})",
        file.display(),
        report.rule_set_labels().join(" + ")
    );
    // Which release stood in for one Haven does not implement (once per release).
    let mut notes: Vec<&str> = Vec::new();
    for note in report.rule_sets.iter().filter_map(|s| s.note.as_deref()) {
        if !notes.contains(&note) {
            println!("  note    {note}");
            notes.push(note);
        }
    }
    for finding in &report.findings {
        let severity = match finding.severity {
            Severity::Fatal => "fatal",
            Severity::Warning => "warning",
            Severity::Information => "info",
        };
        let term = finding.business_term.as_deref().unwrap_or("-");
        let location = finding.location.as_deref().unwrap_or("");
        println!(
            "  {severity:<7} {:<28} {term:<7} {}",
            finding.rule_id, finding.message
        );
        if !location.is_empty() {
            println!("          at {location}");
        }
        if let (Some(expected), Some(actual)) = (&finding.expected, &finding.actual) {
            println!("          expected {expected}, found {actual}");
        }
    }
}
