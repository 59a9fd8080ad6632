//! The `cairn` command: parses arguments, runs the engine, and renders everything it shows.

mod adopt;
mod artifacts;
mod commands;
mod diagnostics;
mod fmt;
#[cfg(test)]
mod fuzzing;
mod import;
mod log;
mod planfile;
mod private;
mod render;
mod router;
mod secrets;
mod stackref;
mod statefile;
mod style;
mod terraform;
mod workspace;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Declarative infrastructure as code for AWS.
#[derive(Parser, Debug)]
#[command(name = "cairn", version, about, propagate_version = true)]
struct Cli {
    /// Work on the stack in DIR instead of the current directory.
    #[arg(short = 'C', global = true, value_name = "DIR")]
    dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// Values for the stack's variables.
#[derive(Args, Debug, Clone, Default)]
pub struct VarArgs {
    /// Set a variable: `--var env=prod` (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Read variables from a TOML file of `name = value` lines (repeatable).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
}

/// Options shared by the commands that plan.
#[derive(Args, Debug, Clone)]
pub struct PlanArgs {
    #[command(flatten)]
    pub vars: VarArgs,
    /// Read every resource from AWS before planning (`--refresh=false` to plan from state).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub refresh: bool,
    /// How many operations may run at once.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..))]
    pub parallelism: u16,
    /// Plan only ADDR (all its instances when it has no key) and what it depends on: a
    /// partial plan, for exceptional cases. Repeatable.
    #[arg(long, value_name = "ADDR", value_parser = address)]
    pub target: Vec<cairn_model::Address>,
    /// Replace ADDR although nothing in its configuration forces it. Repeatable.
    #[arg(long, value_name = "ADDR", value_parser = address)]
    pub replace: Vec<cairn_model::Address>,
}

/// A resource address given on the command line.
fn address(s: &str) -> Result<cairn_model::Address, String> {
    s.parse::<cairn_model::Address>()
        .map_err(|e| format!("{e} (e.g. aws_vpc.main or 'aws_subnet.app[\"a\"]')"))
}

impl PlanArgs {
    /// What `--target` and `--replace` ask of the plan.
    pub fn scope(&self) -> cairn_engine::Scope {
        cairn_engine::Scope {
            targets: self.target.clone(),
            replace: self.replace.clone(),
        }
    }
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    /// For pull-request comments.
    Markdown,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Parse, resolve and type-check the stack.
    Validate {
        #[command(flatten)]
        vars: VarArgs,
    },
    /// Show what apply would change.
    Plan {
        #[command(flatten)]
        plan: PlanArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Exit 0 when there is nothing to change, 2 when there is, 1 on error.
        #[arg(long)]
        detailed_exitcode: bool,
        /// Save the plan to FILE for `cairn apply FILE`.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Compare what exists with what was last applied; never changes AWS or state.
    /// Exit 0 in sync, 2 drift, 1 error.
    Drift {
        #[command(flatten)]
        vars: VarArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Make AWS match the stack: plan, confirm, apply.
    Apply {
        /// A plan saved with `cairn plan --out`: applied exactly as reviewed.
        plan_file: Option<PathBuf>,
        #[command(flatten)]
        plan: PlanArgs,
        /// Do not ask for confirmation.
        #[arg(long)]
        auto_approve: bool,
        /// Change nothing in AWS: record what exists now into state (accepting drift), after
        /// showing what will be recorded.
        #[arg(long, conflicts_with = "plan_file")]
        refresh_only: bool,
    },
    /// Delete everything the stack manages, dependents first.
    Destroy {
        #[command(flatten)]
        plan: PlanArgs,
        /// Do not ask for confirmation.
        #[arg(long)]
        auto_approve: bool,
    },
    /// Evaluate an expression (what goes inside `${...}`) against the stack and its state:
    /// `cairn eval 'cidrsubnet(var.cidr, 8, 1)'`.
    Eval {
        /// The expression, e.g. `aws_vpc.main.id` or `merge(local.tags, { a = 1 })`.
        expression: String,
        #[command(flatten)]
        vars: VarArgs,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show the stack's outputs.
    Output {
        /// Only this output.
        name: Option<String>,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Inspect recorded state, and move it between backends.
    State {
        #[command(subcommand)]
        command: StateCommand,
    },
    /// Print the dependency graph in DOT.
    Graph {
        #[command(flatten)]
        vars: VarArgs,
    },
    /// Clear the state lock with ID, left by a process that is gone.
    ForceUnlock { id: String },
    /// Describe a resource type (attributes, types, replacement, outputs), or list them all.
    Schema {
        /// The type, e.g. `aws_vpc`; all types when left out; `functions` for the
        /// functions of expressions.
        #[arg(value_name = "TYPE")]
        rtype: Option<String>,
        /// `text` for a terminal, `markdown` for the generated reference (docs/resources.md),
        /// `json` for the JSON Schema of stack files (for editors, e.g. Taplo).
        #[arg(long, value_enum, default_value_t = SchemaFormat::Text)]
        format: SchemaFormat,
    },
    /// Bring an existing resource under management: `cairn import ADDR ID` reads it and
    /// records it in state; `cairn import --from-cloudformation STACK` adopts a whole
    /// CloudFormation stack (writes stack files and state); `cairn import --from-terraform
    /// PATH` takes over a Terraform working directory (stack files converted from its `.tf`
    /// files, and state).
    Import {
        /// The address in the stack, e.g. `aws_vpc.main`.
        #[arg(required_unless_present_any = ["from_cloudformation", "from_terraform"], requires = "id")]
        address: Option<String>,
        /// The resource's import id (`cairn schema TYPE` shows its format).
        id: Option<String>,
        /// Adopt the CloudFormation stack STACK_NAME into this directory.
        #[arg(long, value_name = "STACK_NAME", conflicts_with_all = ["address", "id"])]
        from_cloudformation: Option<String>,
        /// Take over what Terraform manages: PATH is a Terraform working directory (its
        /// `terraform.tfstate` and `.tf` files) or a state file (`terraform state pull`).
        #[arg(long, value_name = "PATH", conflicts_with_all = ["address", "id", "from_cloudformation"])]
        from_terraform: Option<PathBuf>,
        #[command(flatten)]
        vars: VarArgs,
    },
    /// Rewrite the stack's files (and those of the local modules it calls) in canonical form,
    /// listing the files changed.
    Fmt {
        /// Change nothing; list the files that are not in canonical form and exit 1 if any.
        #[arg(long)]
        check: bool,
        /// Show each change as a unified diff.
        #[arg(long)]
        diff: bool,
    },
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaFormat {
    Text,
    Markdown,
    Json,
}

#[derive(Subcommand, Debug)]
enum StateCommand {
    /// One address per line.
    List,
    /// Everything recorded for one resource.
    Show { address: String },
    /// Print the stored state as JSON, or write it to FILE (with the stack's digest key
    /// beside it) to move it to a local state file.
    Pull {
        /// Write here (mode 0600) instead of printing.
        file: Option<PathBuf>,
    },
    /// Make the state in FILE the stored state of the stack's backend (e.g. move
    /// `.cairn/state.json` to S3, or restore a backup), as its next version.
    Push {
        file: PathBuf,
        /// Replace a state of another lineage, or restore an older serial.
        #[arg(long)]
        force: bool,
    },
    /// Record the resource at FROM under the address TO instead (a rename, or a move into
    /// or out of a module or a `for_each` instance), without touching AWS.
    Mv { from: String, to: String },
    /// Forget ADDRESS (with no instance key: all its `for_each` instances): state stops
    /// recording it and AWS keeps it, unmanaged. Its block must go too, or the next plan
    /// creates it again.
    Rm {
        #[arg(required = true)]
        addresses: Vec<String>,
    },
}

/// How a command ended, as the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    Error = 1,
    Changes = 2,
    Locked = 3,
    /// Stopped by Ctrl-C (128 + SIGINT).
    Interrupted = 130,
}

fn main() -> ExitCode {
    // A reader that stops early (`cairn schema | head`) ends cairn quietly, as it does any
    // Unix tool, instead of a panic on the next print.
    #[cfg(unix)]
    // SAFETY: sets the default disposition of one signal before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    if let Err(message) = log::init() {
        eprintln!("error: {message}");
        return ExitCode::from(1);
    }
    let dir = cli.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    // Some AWS answers nest deeply (a WAF web ACL's rule statements): their decoders need
    // more stack than tokio's 2 MiB default in debug builds. The memory is only reserved.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(16 * 1024 * 1024)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let exit = runtime.block_on(run(cli.command, dir));
    ExitCode::from(exit as u8)
}

async fn run(command: Command, dir: PathBuf) -> Exit {
    use commands::*;
    let result = match command {
        Command::Validate { vars } => validate(&dir, &vars),
        Command::Plan {
            plan,
            format,
            detailed_exitcode,
            out,
        } => plan_cmd(&dir, &plan, format, detailed_exitcode, out.as_deref()).await,
        Command::Apply {
            refresh_only: true,
            plan,
            auto_approve,
            ..
        } => refresh_only_cmd(&dir, &plan, auto_approve).await,
        Command::Apply {
            plan_file,
            plan,
            auto_approve,
            ..
        } => apply_cmd(&dir, &plan, plan_file.as_deref(), auto_approve).await,
        Command::Drift { vars, format } => drift_cmd(&dir, &vars, format).await,
        Command::Destroy { plan, auto_approve } => destroy_cmd(&dir, &plan, auto_approve).await,
        Command::Eval {
            expression,
            vars,
            json,
        } => eval_cmd(&dir, &expression, &vars, json).await,
        Command::Output { name, json } => output_cmd(&dir, name.as_deref(), json).await,
        Command::State { command } => match command {
            StateCommand::List => state_list(&dir).await,
            StateCommand::Show { address } => state_show(&dir, &address).await,
            StateCommand::Pull { file } => state_pull(&dir, file.as_deref()).await,
            StateCommand::Push { file, force } => state_push(&dir, &file, force).await,
            StateCommand::Mv { from, to } => import::state_mv(&dir, &from, &to).await,
            StateCommand::Rm { addresses } => import::state_rm(&dir, &addresses).await,
        },
        Command::Import {
            from_cloudformation: Some(stack_name),
            ..
        } => adopt::from_cloudformation(&dir, &stack_name).await,
        Command::Import {
            from_terraform: Some(source),
            ..
        } => terraform::from_terraform(&dir, &source).await,
        Command::Import {
            address, id, vars, ..
        } => {
            import::import_cmd(
                &dir,
                address.as_deref().unwrap_or_default(),
                id.as_deref().unwrap_or_default(),
                &vars,
            )
            .await
        }
        Command::Fmt { check, diff } => fmt::fmt_cmd(&dir, check, diff),
        Command::Graph { vars } => graph_cmd(&dir, &vars),
        Command::ForceUnlock { id } => force_unlock(&dir, &id).await,
        Command::Schema { rtype, format } => schema_cmd(rtype.as_deref(), format),
    };
    match result {
        Ok(exit) => exit,
        Err(failure) => failure.report(),
    }
}
