//! Two builds of this benchmark timed against each other in one run,
//! block by block: how the `metrics` feature's cost on a whole request is
//! measured (BENCHMARKS.md).
//!
//! Timed one after the other, or at the same time on the two CPUs, the
//! same build moves by more than the few per cent looked for: the
//! machine's spells last seconds. Here one build runs the other as its
//! child on the same CPU, and the two take turns, a block of requests
//! each, the order swapped from pair to pair: a spell falls on both
//! blocks of a pair alike, and each pair gives a ratio. The figure is the
//! median of those ratios.
//!
//! ```sh
//! taskset -c 0 /tmp/bench-metrics --paired-against /tmp/bench-plain /me
//! ```

use std::hint::black_box;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::process::{Command, Stdio};
use std::time::Instant;

use super::RequestApps;

/// Requests in a block: about 0.1 ms, long enough that the switch from
/// one process to the other is a small part of it.
const BLOCK: u32 = 32;

/// The follower's line once its app is up: the app's log lines, if any,
/// come before; after it, only answers.
const READY: &str = "paired: ready";

/// What starts the follower's line with a block's nanoseconds.
const ANSWER: &str = "paired block: ";

/// What a run does, when a paired one.
pub(crate) enum Role {
    /// Times `path` against the build at `against`, run as a child:
    /// `warm_up` pairs left out, then `pairs` timed.
    Lead { against: String, path: String, warm_up: usize, pairs: usize },
    /// Times a block of requests to `path` each time the parent asks.
    Follow { path: String },
}

impl Role {
    /// `--paired-against <build> <path>`: 1,000 pairs to warm up, then
    /// 20,000 timed, about 5 s in all; `--paired-follow <path>`, which
    /// the lead passes its child. Either may be followed by the `--bench`
    /// that `cargo bench -- ...` adds. `None` for criterion's arguments.
    pub(crate) fn from_args() -> Option<Self> {
        let args: Vec<String> = std::env::args().skip(1).filter(|arg| arg != "--bench").collect();
        match args.as_slice() {
            [flag, against, path] if flag == "--paired-against" => {
                Some(Self::Lead { against: against.clone(), path: path.clone(), warm_up: 1_000, pairs: 20_000 })
            }
            [flag, path] if flag == "--paired-follow" => Some(Self::Follow { path: path.clone() }),
            _ => None,
        }
    }

    /// A short run of this build against itself: what `cargo test` runs,
    /// so that the pairing keeps working.
    pub(crate) fn against_itself() -> Self {
        let this = std::env::current_exe().expect("this build's path");
        Self::Lead { against: this.display().to_string(), path: "/me".into(), warm_up: 1, pairs: 10 }
    }

    pub(crate) fn run(self) {
        let apps = RequestApps::new();
        match self {
            Self::Lead { against, path, warm_up, pairs } => lead(&apps, &against, &path, warm_up, pairs),
            Self::Follow { path } => follow(&apps, &path),
        }
    }
}

/// Nanoseconds that a block of requests to `path` takes.
fn block(apps: &RequestApps, path: &str) -> u64 {
    let start = Instant::now();
    for _ in 0..BLOCK {
        black_box(apps.get(&apps.plain, path, true));
    }
    u64::try_from(start.elapsed().as_nanos()).expect("a block takes less than 584 years")
}

/// Times `path` against the build at `against`, and prints the ratio.
fn lead(apps: &RequestApps, against: &str, path: &str, warm_up: usize, pairs: usize) {
    assert_eq!(apps.get(&apps.plain, path, true), 200, "{path} accepts the token");
    let mut child = Command::new(against)
        .args(["--paired-follow", path])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the other build starts");
    let mut to_other = child.stdin.take().unwrap();
    let mut from_other = BufReader::new(child.stdout.take().unwrap()).lines().map(|line| line.unwrap_or_default());
    assert!(from_other.by_ref().any(|line| line == READY), "the other build's app is up");
    let mut other = || {
        to_other.write_all(b"r").expect("the other build reads");
        let answer = from_other.next().expect("the other build answers");
        answer.strip_prefix(ANSWER).and_then(|nanos| nanos.parse().ok()).expect("a block's nanoseconds")
    };
    let mut timed = Vec::with_capacity(pairs);
    for n in 0..warm_up + pairs {
        let (this, that) = match n % 2 {
            0 => (block(apps, path), other()),
            _ => {
                let that = other();
                (block(apps, path), that)
            }
        };
        if n >= warm_up {
            timed.push((this, that));
        }
    }
    drop(to_other);
    assert!(child.wait().expect("the other build ends").success(), "the other build ends well");
    report(path, against, &timed);
}

/// Says [`READY`], then runs a block of requests to `path` for each
/// byte read from the standard input, and writes its nanoseconds to the
/// standard output after [`ANSWER`].
fn follow(apps: &RequestApps, path: &str) {
    assert_eq!(apps.get(&apps.plain, path, true), 200, "{path} accepts the token");
    let (mut input, mut output) = (std::io::stdin().lock(), std::io::stdout().lock());
    writeln!(output, "{READY}").expect("the parent reads");
    output.flush().expect("the parent reads");
    let mut asked = [0];
    while input.read(&mut asked).expect("the parent writes") == 1 {
        writeln!(output, "{ANSWER}{}", block(apps, path)).expect("the parent reads");
        output.flush().expect("the parent reads");
    }
}

/// Prints the median of the pairs' ratios, this build's time over the
/// other's, with its quartiles and each build's median time.
fn report(path: &str, against: &str, pairs: &[(u64, u64)]) {
    let mut ratios: Vec<f64> = pairs.iter().map(|&(this, that)| this as f64 / that as f64).collect();
    ratios.sort_by(f64::total_cmp);
    let median_of = |mut nanos: Vec<u64>| {
        nanos.sort_unstable();
        nanos[nanos.len() / 2] as f64 / f64::from(BLOCK) / 1000.0
    };
    let this = median_of(pairs.iter().map(|pair| pair.0).collect());
    let that = median_of(pairs.iter().map(|pair| pair.1).collect());
    let quartile = |q: usize| ratios[ratios.len() * q / 4];
    println!(
        "{path}, {} pairs of {BLOCK} requests: this build {this:.3} µs, {against} {that:.3} µs per request",
        pairs.len()
    );
    println!(
        "this build / {against}: {:.4}, the median of the pairs' ratios (quartiles {:.4} and {:.4})",
        quartile(2),
        quartile(1),
        quartile(3)
    );
}
