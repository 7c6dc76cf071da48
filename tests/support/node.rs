//! The tests' Node.js projects (`tests/oidc-provider`,
//! `tests/discovery-clients`): their locked packages, installed with
//! `npm ci` by the first test that needs them, so that `cargo test` needs
//! no setup step; and their scripts, run with Node.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use serde_json::Value;

/// The directory of the project `name`, its packages installed.
pub(crate) fn node_project(name: &str) -> PathBuf {
    let directory = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(name);
    install_once(&directory);
    directory
}

/// Installs the project's locked packages with `npm ci` unless they are
/// there, once per project and test process.
fn install_once(directory: &Path) {
    static INSTALLED: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);
    let mut installed = INSTALLED.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let installed = installed.get_or_insert_with(HashSet::new);
    if installed.contains(directory) || directory.join("node_modules/.package-lock.json").exists() {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(directory)
        .stdout(Stdio::null())
        .status()
        .expect("npm runs; install Node.js");
    assert!(status.success(), "`npm ci` failed in {}: {status}", directory.display());
    installed.insert(directory.to_owned());
}

/// Runs `script` of the project `project` with `args`, and the JSON object
/// it prints. Panics, with its output, if it fails.
pub async fn run_node_script(project: &str, script: &str, args: &[&str]) -> Value {
    let directory = node_project(project);
    let mut command = Command::new("node");
    command.arg(script).args(args).current_dir(&directory);
    let output = rocket::tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("the script's thread ends")
        .expect("node runs; install Node.js");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "`node {script}` failed ({}):\n{stdout}\n{stderr}", output.status);
    serde_json::from_str(&stdout).unwrap_or_else(|error| panic!("`node {script}` printed no JSON ({error}):\n{stdout}"))
}
