//! The tests' Python tools (`tests/prometheus`): a virtual environment with
//! their hash-pinned packages, made by the first test that needs it, so
//! that `cargo test` needs no setup step; and their scripts, run in it.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

/// The Python of the virtual environment of the project `name`, its
/// requirements installed.
fn python_of(name: &str) -> PathBuf {
    static MADE: Mutex<()> = Mutex::new(());
    let _one_at_a_time = MADE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let project = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(name);
    let python = project.join(".venv/bin/python");
    let installed = project.join(".venv/installed");
    if !installed.exists() {
        run(Command::new("python3").args(["-m", "venv", ".venv"]).current_dir(&project));
        let pip = ["-m", "pip", "install", "-q", "--disable-pip-version-check", "--require-hashes", "-r"];
        run(Command::new(&python).args(pip).arg("requirements.txt").current_dir(&project));
        std::fs::write(&installed, "").expect("the venv is writable");
    }
    python
}

fn run(command: &mut Command) {
    let status = command.stdout(Stdio::null()).status().expect("python3 runs; install Python 3");
    assert!(status.success(), "{command:?} failed: {status}");
}

/// Runs `script` of the project `project` with `input` on its standard
/// input, and what it prints. Panics, with its errors, if it fails.
pub fn run_python_script(project: &str, script: &str, input: &str) -> String {
    let python = python_of(project);
    let directory: &Path = python.parent().and_then(Path::parent).and_then(Path::parent).expect("in the project");
    let mut child = Command::new(&python)
        .arg(script)
        .current_dir(directory)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the venv's python runs");
    child.stdin.take().expect("piped").write_all(input.as_bytes()).expect("the script reads its input");
    let output = child.wait_with_output().expect("the script ends");
    assert!(output.status.success(), "{script} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8 output")
}
