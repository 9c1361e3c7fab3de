//! The walkthroughs in `docs/` are part of the lesson, so they are tested
//! like code: what a page shows must still be true today.
//!
//! A page may hold three kinds of fenced block, and each is checked:
//!
//! - ` ```sh `: commands a reader types, one per line. Each one runs here,
//!   in order, from a scratch directory inside the workspace, and must
//!   succeed. The demos and `compare` get `--speed 8` added (unless the
//!   command sets its own) so the whole page runs in seconds; a `--scale`
//!   run is not sped up (see `Shown::takes_speed`), but its comment may say
//!   `# the tests run it with --scale 10,100`: it then runs at that size,
//!   in the tests' debug build (without `--release`). A comment
//!   after the command may say `# exits with N` (the command is meant to
//!   fail, with that code) or `# in another terminal` (it is a server: it
//!   runs in the background until the page is done, and the next command
//!   waits until its `--listen` port answers; `cargo run -p bank` is always
//!   such a server). Every `cargo run` written as inline code in the prose
//!   runs too. `cargo run -p NAME` runs as the binary the workspace's test
//!   build made (see `built_binary`): the same program, without building it
//!   again with other features.
//! - ` ```text output `: right after a ` ```sh ` block, the real output of
//!   that block's last command (its stdout, then its stderr). Here it must
//!   have the shape the tool prints today: the same words in the same
//!   order. Numbers, the swimlanes' bars and line breaks may differ, since
//!   a sped-up run on a busy machine is not the run that was shown.
//! - ` ```rust `: a code excerpt. Its first line names the file
//!   (`// demos/sync-blocking/src/lib.rs`); the rest must be found in that
//!   file as written (indentation may be shifted as a whole), in order,
//!   with `// ...` standing for lines left out.
//!
//! A command with `--live` draws on a terminal, and the tests have none to
//! give it: here it runs with its output piped, must say in one line that
//! the live view needs a terminal (`--live needs a terminal`), and go on as
//! usual. A lecturer's slow `--speed` (`--live --speed 0.25`) runs at the
//! tests' speed instead; what the page shows as that command's output is
//! checked as for any other.
//!
//! An image can be a file a command wrote, kept true the same way: the
//! comment `<!-- written by the command above: chart.svg -->` goes on the
//! line before `![...](img/chart.svg)`. Blessing copies the file the
//! command wrote into the page's `img/`; checking compares the words of the
//! two images' text (titles, names, notes), whatever their numbers.
//!
//! Outputs are never typed by hand. To refresh them after changing a tool,
//! run the commands for real (at the speed shown) and write what they print
//! into the pages:
//!
//! ```sh
//! BANK_QUEUE_BLESS=1 cargo test -p bank-queue-tests --test docs        # every page
//! BANK_QUEUE_BLESS=02 cargo test -p bank-queue-tests --test docs       # pages whose name holds "02"
//! BANK_QUEUE_BLESS=05:16,698 cargo test -p bank-queue-tests --test docs # only the commands on those lines
//! ```
//!
//! With lines named, the page's other commands run and are checked as
//! usual: a change of words in one output need not re-run a page's longest
//! command (05's scale run) nor move the figures its prose quotes.
//!
//! Two things depend on the machine, and are skipped with a `skipped:` line
//! rather than failed: a command with `--python` where there is no
//! `python3`, and the output of a `--scale` run part of which this
//! machine's limits refused (the table then rightly differs).
//!
//! Besides the blocks: every relative link in `docs/` and the README leads
//! to a file that exists, the README links the walkthroughs in order, and
//! each demo's `--help` names its walkthrough.

use std::collections::BTreeSet;
use std::io::Read;
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use wait_timeout::ChildExt;

/// The walkthroughs, in reading order, and the package each one is about.
const WALKTHROUGHS: [(&str, Option<&str>); 8] = [
    ("00-overview.md", None),
    ("01-sync-blocking.md", Some("sync-blocking")),
    ("02-sync-nonblocking.md", Some("sync-nonblocking")),
    ("03-async-blocking.md", Some("async-blocking")),
    ("04-async-nonblocking.md", Some("async-nonblocking")),
    ("05-compare.md", Some("compare")),
    ("06-scheduling.md", Some("scheduling")),
    ("07-processes.md", Some("processes")),
];

/// Pages in `docs/` besides the walkthroughs: the class plan and the
/// bank's promises.
const OTHER_PAGES: [&str; 2] = ["lecture.md", "bank-guarantees.md"];

/// What a command's comment says when the tests run it smaller: `# the
/// tests run it with --scale 10,100` (and without `--release`).
const TESTS_RUN_IT_WITH: &str = "the tests run it with";

/// How much faster than shown the commands run here.
const SPEED: &str = "8";

/// The longest one command may take (the first may compile the workspace).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(900);

/// Pages that start a server on a fixed port take turns.
static SERVERS: Mutex<()> = Mutex::new(());

#[test]
fn overview() {
    check_page("00-overview.md");
}

#[test]
fn sync_blocking() {
    check_page("01-sync-blocking.md");
}

#[test]
fn sync_nonblocking() {
    check_page("02-sync-nonblocking.md");
}

#[test]
fn async_blocking() {
    check_page("03-async-blocking.md");
}

#[test]
fn async_nonblocking() {
    check_page("04-async-nonblocking.md");
}

#[test]
fn compare() {
    check_page("05-compare.md");
}

#[test]
fn scheduling() {
    check_page("06-scheduling.md");
}

#[test]
fn processes() {
    check_page("07-processes.md");
}

#[test]
fn lecture() {
    check_page("lecture.md");
}

#[test]
fn bank_guarantees() {
    check_page("bank-guarantees.md");
}

#[test]
fn blessing_names_pages_and_may_name_lines() {
    let covers = |which: &str, page: &str, line: usize| Blessing::parse(which, page).covers(line);
    assert!(covers("1", "05-compare.md", 16), "1 blesses every page");
    assert!(covers("05", "05-compare.md", 16));
    assert!(
        !covers("05", "04-async-nonblocking.md", 16),
        "only pages named"
    );
    assert!(covers("05:16,698", "05-compare.md", 698));
    assert!(
        !covers("05:16,698", "05-compare.md", 486),
        "only the lines named"
    );
    assert!(!covers("05:16", "06-scheduling.md", 16));
    assert!(!Blessing::parse("", "05-compare.md").any());
    assert!(Blessing::parse("05:16", "05-compare.md").any());
}

#[test]
fn every_page_in_docs_is_checked() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(root().join("docs"))
        .expect("docs/ exists")
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md"))
        .collect();
    let checked: BTreeSet<String> = pages().map(String::from).collect();
    assert_eq!(on_disk, checked, "every page in docs/ has its test here");
}

#[test]
fn the_readme_links_the_walkthroughs_in_order() {
    let readme = read(&root().join("README.md"));
    let mut from = 0;
    for (page, _) in WALKTHROUGHS {
        let link = format!("](docs/{page})");
        let at = readme[from..]
            .find(&link)
            .unwrap_or_else(|| panic!("README links docs/{page} after the one before it"));
        from += at + link.len();
    }
}

#[test]
fn every_demo_help_names_its_walkthrough() {
    for (page, package) in WALKTHROUGHS {
        let Some(package) = package else { continue };
        let ran = run_shell(
            &format!("cargo run --quiet -p {package} -- --help"),
            &root(),
        );
        assert_eq!(ran.code, Some(0), "{package} --help: {}", ran.text());
        assert!(
            ran.stdout.contains(&format!("docs/{page}")),
            "{package} --help names docs/{page}:\n{}",
            ran.stdout
        );
    }
}

#[test]
fn every_relative_link_leads_to_a_file() {
    let docs = pages().map(|page| root().join("docs").join(page));
    for page in std::iter::once(root().join("README.md")).chain(docs) {
        let text = read(&page);
        for target in links(&text) {
            let file = target.split('#').next().unwrap_or_default();
            if file.is_empty() || file.contains("://") || file.starts_with("mailto:") {
                continue;
            }
            let dir = page.parent().expect("a page lives in a directory");
            assert!(
                dir.join(file).exists(),
                "{}: the link to {target} leads nowhere",
                page.display()
            );
        }
    }
}

/// Checks one page: runs its commands in order, compares each output shown
/// with today's, and finds each excerpt in its file. With `BANK_QUEUE_BLESS`
/// naming this page, writes today's real outputs into it instead.
fn check_page(name: &str) {
    let path = root().join("docs").join(name);
    let text = read(&path);
    let page = Page::parse(&text);
    let bless = Blessing::of(name);

    for excerpt in page.blocks.iter().filter(|b| b.info == "rust") {
        check_excerpt(name, excerpt);
    }

    let commands: Vec<Shown> = page.commands().collect();
    let _turn = commands.iter().any(|c| c.background).then(|| {
        SERVERS
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    });
    let scratch = tempfile::Builder::new()
        .prefix(&format!("docs-{}-", name.trim_end_matches(".md")))
        .tempdir_in(scratch_root())
        .expect("a scratch directory can be made under target/");
    let mut servers = Servers::default();
    let mut blessed: Vec<(usize, Vec<String>)> = Vec::new();

    for command in commands {
        if let Some(why) = cannot_run_here(&command) {
            testkit::skipped(&format!("{name}: `{}`: {why}", command.shown));
            continue;
        }
        if command.background {
            servers.start(&command, scratch.path(), !bless.any());
            continue;
        }
        let bless = bless.covers(command.at + 1);
        let ran = run_shell(&command.to_run(!bless), scratch.path());
        assert_eq!(
            ran.code,
            Some(command.exits_with),
            "{name}:{}: `{}` exited with {:?}, not {}:\n{}",
            command.at + 1,
            command.shown,
            ran.code,
            command.exits_with,
            ran.text()
        );
        if command.live() {
            let said = ran
                .stderr
                .lines()
                .filter(|l| l.starts_with("--live needs a terminal"))
                .count();
            assert_eq!(
                said,
                1,
                "{name}:{}: `{}` without a terminal says so once:\n{}",
                command.at + 1,
                command.shown,
                ran.text()
            );
        }
        match command.output {
            Some(output) if bless => blessed.push((output, ran.lines())),
            Some(_) if refused_here(&ran.text()) => testkit::skipped(&format!(
                "{name}: `{}`: this machine's limits refused part of it, so its output \
                 differs from the one shown",
                command.shown
            )),
            Some(output) if !command.smaller.is_empty() => {
                check_words_within(name, &command, &page.blocks[output], &ran.text())
            }
            Some(output) if command.interleaves() => {
                check_lines(name, &command, &page.blocks[output], &ran.text())
            }
            Some(output) => check_shape(name, &command, &page.blocks[output], &ran.text()),
            None => {}
        }
        for image in &command.images {
            let written = scratch.path().join(&image.written);
            let kept = path
                .parent()
                .expect("a page lives in docs/")
                .join(&image.shown);
            if bless {
                std::fs::create_dir_all(kept.parent().expect("an image lives in a directory"))
                    .and_then(|()| std::fs::copy(&written, &kept))
                    .unwrap_or_else(|err| {
                        panic!(
                            "{name}: cannot keep {} as {}: {err}",
                            image.written, image.shown
                        )
                    });
            } else if !refused_here(&ran.text()) {
                let within = !command.smaller.is_empty();
                check_image(name, &command, image, &read(&written), &read(&kept), within);
            }
        }
    }
    drop(servers);

    if !blessed.is_empty() {
        std::fs::write(&path, page.with_outputs(&text, &blessed))
            .unwrap_or_else(|err| panic!("{name}: cannot write the blessed page: {err}"));
        eprintln!("{name}: wrote {} real output(s)", blessed.len());
    }
}

/// Why `command` cannot run on this machine, if it cannot: `--python`
/// needs a `python3` (`.ci/run` installs one; a machine with only Rust may
/// have none).
fn cannot_run_here(command: &Shown) -> Option<String> {
    if !command.shown.contains("--python") {
        return None;
    }
    let probe = Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match probe {
        Ok(status) if status.success() => None,
        Ok(status) => Some(format!("python3 --version failed ({status})")),
        Err(err) => Some(format!("no python3 here ({err})")),
    }
}

/// Whether a `--scale` run was refused a size by this machine's limits
/// (threads, open files): a machine with lower limits than the one the
/// output was shown from prints a different table, rightly.
fn refused_here(output: &str) -> bool {
    output.contains(" customers: refused.")
}

/// Which of a page's outputs `BANK_QUEUE_BLESS` asks to rewrite.
enum Blessing {
    /// None: the page is checked.
    None,
    /// Every output of the page.
    All,
    /// Only those of the commands on these lines (1-based, as the page's
    /// errors name them): `BANK_QUEUE_BLESS=05:16,698`.
    Lines(BTreeSet<usize>),
}

impl Blessing {
    /// What `BANK_QUEUE_BLESS` asks of `page`.
    fn of(page: &str) -> Blessing {
        match std::env::var("BANK_QUEUE_BLESS") {
            Ok(which) => Blessing::parse(&which, page),
            Err(_) => Blessing::None,
        }
    }

    /// What the value `which` asks of `page`.
    fn parse(which: &str, page: &str) -> Blessing {
        if which == "1" || which == "all" {
            return Blessing::All;
        }
        let (pages, lines) = match which.split_once(':') {
            Some((pages, lines)) => (pages, Some(lines)),
            None => (which, None),
        };
        if pages.is_empty() || !page.contains(pages) {
            return Blessing::None;
        }
        let Some(lines) = lines else {
            return Blessing::All;
        };
        let lines = lines
            .split(',')
            .map(|line| {
                line.trim().parse().unwrap_or_else(|_| {
                    panic!("BANK_QUEUE_BLESS={which}: lines are numbers, such as 05:16,698")
                })
            })
            .collect();
        Blessing::Lines(lines)
    }

    /// Whether any output of the page is to be rewritten.
    fn any(&self) -> bool {
        !matches!(self, Blessing::None)
    }

    /// Whether the output of the command on `line` (1-based) is.
    fn covers(&self, line: usize) -> bool {
        match self {
            Blessing::None => false,
            Blessing::All => true,
            Blessing::Lines(lines) => lines.contains(&line),
        }
    }
}

/// A page cut into its fenced blocks.
struct Page {
    /// Every fenced block, in order.
    blocks: Vec<Block>,
    /// Every inline `cargo run ...` in the prose, with its line, in order.
    inline: Vec<(usize, String)>,
    /// Every image a command writes, in order.
    images: Vec<Image>,
}

/// An image on a page that is a file a command wrote: the comment
/// `<!-- written by the command above: chart.svg -->` on the line before
/// `![...](img/chart.svg)`.
#[derive(Clone)]
struct Image {
    /// The line of the comment (0-based).
    at: usize,
    /// The file the command writes, in its scratch directory.
    written: String,
    /// Where the page keeps it, relative to the page.
    shown: String,
}

/// One fenced block of a page.
struct Block {
    /// What follows the opening fence: `sh`, `text output`, `rust`...
    info: String,
    /// The line of the opening fence (0-based).
    open: usize,
    /// The line of the closing fence.
    close: usize,
    /// The lines between them.
    lines: Vec<String>,
}

/// A command as a page shows it.
#[derive(Clone)]
struct Shown {
    /// The command as typed, without its comment.
    shown: String,
    /// The line it is on (0-based).
    at: usize,
    /// The exit code it should end with.
    exits_with: i32,
    /// It is a server, started "in another terminal".
    background: bool,
    /// The block holding its output, if the page shows it.
    output: Option<usize>,
    /// The images it writes that the page shows.
    images: Vec<Image>,
    /// A command that takes minutes runs in the tests with some flags set
    /// smaller, which its comment names: `# the tests run it with --scale
    /// 10,100`. Its output is then checked to say nothing the shown one
    /// does not (fewer rows, the same words), and blessing runs it whole.
    smaller: Vec<(String, String)>,
}

impl Page {
    /// Cuts `text` into fenced blocks; the rest is prose.
    fn parse(text: &str) -> Page {
        let mut blocks = Vec::new();
        let mut inline = Vec::new();
        let mut images = Vec::new();
        let mut open: Option<(usize, String, Vec<String>)> = None;
        let lines: Vec<&str> = text.lines().collect();
        for (at, line) in lines.iter().copied().enumerate() {
            let trimmed = line.trim();
            if open.is_none() {
                images.extend(Image::parse(trimmed, lines.get(at + 1), at));
            }
            match open.take() {
                None if trimmed.starts_with("```") => {
                    let info = trimmed.trim_start_matches('`').trim().to_string();
                    open = Some((at, info, Vec::new()));
                }
                None => inline.extend(inline_commands(line).map(|c| (at, c))),
                Some((start, info, lines)) if trimmed == "```" => blocks.push(Block {
                    info,
                    open: start,
                    close: at,
                    lines,
                }),
                Some((start, info, mut lines)) => {
                    lines.push(line.to_string());
                    open = Some((start, info, lines));
                }
            }
        }
        assert!(open.is_none(), "a fenced block is never closed");
        Page {
            blocks,
            inline,
            images,
        }
    }

    /// Every command of the page, in order: the fenced ones, then the
    /// inline ones not already shown in a block.
    fn commands(&self) -> impl Iterator<Item = Shown> + '_ {
        let mut fenced = Vec::new();
        for (index, block) in self.blocks.iter().enumerate() {
            if block.info != "sh" {
                continue;
            }
            let output = self
                .blocks
                .get(index + 1)
                .filter(|next| next.info == "text output")
                .map(|_| index + 1);
            let mut commands: Vec<Shown> = block
                .lines
                .iter()
                .enumerate()
                .filter_map(|(i, line)| Shown::parse(line, block.open + 1 + i))
                .collect();
            if let Some(last) = commands.last_mut() {
                last.output = output;
                // The images shown after this block, before the next one.
                let next = self.blocks[index + 1..]
                    .iter()
                    .find(|b| b.info == "sh")
                    .map_or(usize::MAX, |b| b.open);
                last.images = self
                    .images
                    .iter()
                    .filter(|image| image.at > block.close && image.at < next)
                    .cloned()
                    .collect();
            }
            fenced.extend(commands);
        }
        let seen: BTreeSet<String> = fenced.iter().map(|c| c.shown.clone()).collect();
        let mut inline_seen = BTreeSet::new();
        let inline: Vec<Shown> = self
            .inline
            .iter()
            .filter(|(_, c)| !seen.contains(c) && inline_seen.insert(c.clone()))
            .filter_map(|(at, c)| Shown::parse(c, *at))
            .collect();
        fenced.into_iter().chain(inline)
    }

    /// `text` with each blessed output block's lines replaced.
    fn with_outputs(&self, text: &str, blessed: &[(usize, Vec<String>)]) -> String {
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        // From the bottom up, so earlier line numbers stay right.
        let mut blessed: Vec<&(usize, Vec<String>)> = blessed.iter().collect();
        blessed.sort_by_key(|(block, _)| std::cmp::Reverse(self.blocks[*block].open));
        for (block, output) in blessed {
            let block = &self.blocks[*block];
            lines.splice(block.open + 1..block.close, output.iter().cloned());
        }
        let mut page = lines.join("\n");
        page.push('\n');
        page
    }
}

/// The inline code spans of a line of prose that are `cargo run` commands.
fn inline_commands(line: &str) -> impl Iterator<Item = String> + '_ {
    line.split('`')
        .skip(1)
        .step_by(2)
        .filter(|span| span.starts_with("cargo run"))
        .map(String::from)
}

impl Shown {
    /// A command line of a `sh` block; `None` for a blank or comment line.
    fn parse(line: &str, at: usize) -> Option<Shown> {
        let (command, comment) = match line.find(" #") {
            Some(cut) => (&line[..cut], line[cut + 2..].trim()),
            None => (line, ""),
        };
        let command = command.trim();
        if command.is_empty() || command.starts_with('#') {
            return None;
        }
        let exits_with = comment
            .strip_prefix("exits with ")
            .map(|code| {
                code.trim()
                    .parse()
                    .unwrap_or_else(|_| panic!("line {}: `exits with` takes a number", at + 1))
            })
            .unwrap_or(0);
        let smaller: Vec<(String, String)> = comment
            .split_once(TESTS_RUN_IT_WITH)
            .map(|(_, flags)| {
                let words: Vec<&str> = flags.split_whitespace().collect();
                words
                    .chunks(2)
                    .map(|pair| match pair {
                        [flag, value] if flag.starts_with("--") => {
                            ((*flag).to_owned(), (*value).to_owned())
                        }
                        _ => panic!(
                            "line {}: `{TESTS_RUN_IT_WITH}` takes flags and values",
                            at + 1
                        ),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut shown = Shown {
            shown: command.to_string(),
            at,
            exits_with,
            background: comment.contains("in another terminal"),
            output: None,
            images: Vec::new(),
            smaller,
        };
        // The bank alone serves until stopped, wherever it is shown.
        shown.background |=
            shown.package() == Some("bank") && exits_with == 0 && !shown.shown.contains("--help");
        Some(shown)
    }

    /// Whether the lines of this command's output come from several
    /// processes at once, in an order that changes run to run: the
    /// `processes` lesson's parents and children speak as they go.
    fn interleaves(&self) -> bool {
        self.package() == Some("processes")
    }

    /// The package a `cargo run -p NAME` runs.
    fn package(&self) -> Option<&str> {
        self.shown
            .split_whitespace()
            .collect::<Vec<_>>()
            .windows(2)
            .find(|pair| pair[0] == "-p" || pair[0] == "--package")
            .map(|pair| pair[1])
    }

    /// The command to run: cargo kept quiet, and sped up unless `real`
    /// time is asked for or the command sets its own speed.
    fn to_run(&self, speed_up: bool) -> String {
        let Some(rest) = self.shown.strip_prefix("cargo run") else {
            return self.shown.clone();
        };
        let mut words: Vec<String> = rest.split_whitespace().map(String::from).collect();
        if speed_up && !self.smaller.is_empty() {
            // In the tests, a long command runs at the size its comment
            // says, in the debug build the tests already have: `--release`
            // is for the real size, and building it would take longer than
            // the smaller run itself.
            words.retain(|w| w != "--release");
        }
        if speed_up {
            for (flag, value) in &self.smaller {
                match words.iter().position(|w| w == flag) {
                    Some(at) if at + 1 < words.len() => words[at + 1] = value.clone(),
                    _ => panic!("`{}` has no `{flag} VALUE` to set smaller", self.shown),
                }
            }
        }
        if speed_up && self.live() {
            // A slowed scene for a class is the tests' speed here.
            if let Some(at) = words.iter().position(|w| w == "--speed") {
                if at + 1 < words.len() {
                    words[at + 1] = SPEED.to_string();
                }
            }
        }
        let rest = format!(" {}", words.join(" "));
        let mut line = format!("cargo run --quiet{rest}");
        if speed_up && self.takes_speed() {
            line.push_str(if rest.contains(" -- ") { " " } else { " --" });
            line.push_str(&format!(" --speed {SPEED}"));
        }
        if speed_up {
            line = self.on_built_binary(line);
        }
        line
    }

    /// `cargo run --quiet -p NAME -- ARGS` as the binary the test build
    /// made, `target/debug/NAME ARGS`. `cargo run -p NAME` alone would build
    /// NAME again with only its own features (a test build unifies them
    /// over the workspace), which cost CI most of a minute.
    fn on_built_binary(&self, line: String) -> String {
        let Some(package) = self.package() else {
            return line;
        };
        let prefix = format!("cargo run --quiet -p {package}");
        let Some(args) = line.strip_prefix(&prefix) else {
            return line;
        };
        let args = args.strip_prefix(" --").unwrap_or(args);
        if !(args.is_empty() || args.starts_with(' ')) {
            return line;
        }
        format!("{}{args}", built_binary(package).display())
    }

    /// Whether this command asks for the live view (`--live`).
    fn live(&self) -> bool {
        self.shown.split_whitespace().any(|w| w == "--live")
    }

    /// Whether this command runs customers and can be sped up: a demo or
    /// `compare` running styles (not comparing trace files, which hold the
    /// speed they ran at, nor a `--scale` run).
    fn takes_speed(&self) -> bool {
        let words: Vec<&str> = self.shown.split_whitespace().collect();
        let runs_customers = matches!(
            self.package(),
            Some(
                "sync-blocking"
                    | "sync-nonblocking"
                    | "async-blocking"
                    | "async-nonblocking"
                    | "compare"
            )
        );
        let args: Vec<&str> = match words.iter().position(|w| *w == "--") {
            Some(dashes) => words[dashes + 1..].to_vec(),
            None => Vec::new(),
        };
        let compares_files = args.iter().enumerate().any(|(i, arg)| {
            arg.ends_with(".json")
                && !matches!(
                    i.checked_sub(1).map(|before| args[before]),
                    Some("--trace" | "--chrome" | "--html" | "--trace-dir")
                )
        });
        // A --scale run asks how rates hold up (arrivals, looks per second):
        // sped up, ten thousand looking threads outrun two cores, and the
        // run measures an overload instead of the lesson. It runs as shown.
        let scale = args.contains(&"--scale");
        runs_customers
            && !compares_files
            && !scale
            && !args.contains(&"--speed")
            && !args.contains(&"--help")
    }
}

impl Image {
    /// The image announced by `line`, if it is the comment that announces
    /// one; `next` must then be the image's line.
    fn parse(line: &str, next: Option<&&str>, at: usize) -> Option<Image> {
        let written = line
            .strip_prefix("<!-- written by the command above:")?
            .strip_suffix("-->")?
            .trim();
        let shown = next
            .and_then(|next| next.trim().strip_prefix("!["))
            .and_then(|rest| rest.split_once("]("))
            .and_then(|(_, rest)| rest.strip_suffix(')'))
            .unwrap_or_else(|| panic!("line {}: an image ![..](path) follows the comment", at + 2));
        Some(Image {
            at,
            written: written.to_string(),
            shown: shown.to_string(),
        })
    }
}

/// Servers started "in another terminal", stopped when the page is done.
#[derive(Default)]
struct Servers {
    /// The running servers.
    running: Vec<Child>,
}

impl Servers {
    /// Starts a server and waits until its `--listen` port (the bank's
    /// 7878 if none is given) answers.
    fn start(&mut self, command: &Shown, dir: &Path, speed_up: bool) {
        let listen = command
            .shown
            .split_whitespace()
            .skip_while(|w| *w != "--listen")
            .nth(1);
        let port = match listen {
            None => 7878,
            Some(addr) => addr
                .rsplit(':')
                .next()
                .and_then(|port| port.parse::<u16>().ok())
                .unwrap_or_else(|| panic!("`{}`: --listen takes a port", command.shown)),
        };
        let mut child = shell(&command.to_run(speed_up), dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sh can start");
        let until = Instant::now() + COMMAND_TIMEOUT;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            let exited = child.try_wait().expect("waiting works");
            assert!(
                exited.is_none(),
                "`{}` stopped before it listened: {exited:?}",
                command.shown
            );
            assert!(Instant::now() < until, "`{}` never listened", command.shown);
            std::thread::sleep(Duration::from_millis(100));
        }
        self.running.push(child);
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        for child in &mut self.running {
            kill_group(child);
        }
    }
}

/// What a command did.
struct Ran {
    /// Its exit code (`None` if a signal ended it).
    code: Option<i32>,
    /// What it wrote to stdout.
    stdout: String,
    /// What it wrote to stderr.
    stderr: String,
}

impl Ran {
    /// Stdout, then stderr: what a reader sees in the terminal.
    fn text(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// [`Ran::text`] as the lines of an output block.
    fn lines(&self) -> Vec<String> {
        let text = self.text();
        let mut lines: Vec<String> = text.lines().map(|l| l.trim_end().to_string()).collect();
        while lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
        }
        lines
    }
}

/// Runs `line` with `sh` in `dir`, in a process group of its own, killed
/// if it outlives [`COMMAND_TIMEOUT`].
fn run_shell(line: &str, dir: &Path) -> Ran {
    let mut child = shell(line, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sh can start");
    let readers = [
        drain(child.stdout.take().expect("stdout is piped")),
        drain(child.stderr.take().expect("stderr is piped")),
    ];
    let status = child.wait_timeout(COMMAND_TIMEOUT).expect("waiting works");
    if status.is_none() {
        kill_group(&mut child);
        panic!("`{line}` took more than {COMMAND_TIMEOUT:?}");
    }
    let [stdout, stderr] = readers.map(|reader| reader.join().expect("a reader does not panic"));
    Ran {
        code: status.and_then(|s| s.code()),
        stdout,
        stderr,
    }
}

/// Where the test build put the binary `name`, once the workspace's tests
/// and binaries are built: `cargo test --workspace --no-run`, which does
/// nothing when the tests run as `cargo test --workspace` (and builds what
/// is missing or stale when only this test runs).
fn built_binary(name: &str) -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let dir = BUILT.get_or_init(|| {
        let status = Command::new(env!("CARGO"))
            .args(["test", "--workspace", "--no-run", "--quiet"])
            .current_dir(root())
            .status()
            .expect("cargo runs");
        assert!(status.success(), "cargo test --workspace --no-run failed");
        // This test is target/debug/deps/docs-<hash>: the binaries are in
        // target/debug.
        let exe = std::env::current_exe().expect("the test knows its path");
        exe.parent()
            .and_then(Path::parent)
            .expect("a test binary lives in target/<profile>/deps")
            .to_path_buf()
    });
    dir.join(name)
}

/// `sh -c line` in `dir`, as the leader of a new process group.
fn shell(line: &str, dir: &Path) -> Command {
    let mut command = Command::new("sh");
    command
        .args(["-c", line])
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .env_remove("BANK_QUEUE_BANK")
        .stdin(Stdio::null())
        .process_group(0);
    command
}

/// Reads a pipe to its end on a thread of its own.
fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Kills a child's whole process group: `sh`, `cargo` and the program.
fn kill_group(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .status();
    let _ = child.wait();
}

/// Fails unless the output shown has the shape of the output today: the
/// same words in the same order.
fn check_shape(page: &str, command: &Shown, shown: &Block, today: &str) {
    let expected = shape(&shown.lines.join("\n"));
    let actual = shape(today);
    if expected == actual {
        return;
    }
    let at = expected
        .iter()
        .zip(&actual)
        .position(|(a, b)| a != b)
        .unwrap_or(expected.len().min(actual.len()));
    let around =
        |words: &[String]| words[at.saturating_sub(6)..(at + 6).min(words.len())].join(" ");
    panic!(
        "{page}:{}: the output shown for `{}` no longer has the shape the tool prints.\n\
         word {at}: shown  … {} …\n\
         word {at}: today  … {} …\n\
         today's output:\n{today}\n\
         Refresh it with BANK_QUEUE_BLESS={page} cargo test -p bank-queue-tests --test docs",
        shown.open + 1,
        command.shown,
        around(&expected),
        around(&actual),
    );
}

/// Fails unless today's output of a command whose processes speak at once
/// has the lines shown, each of the same shape, in any order: the same
/// multiset of lines' shapes.
fn check_lines(page: &str, command: &Shown, shown: &Block, today: &str) {
    let lines = |text: &str| -> Vec<String> {
        let mut lines: Vec<String> = text
            .lines()
            .map(|line| shape(line).join(" "))
            .filter(|line| !line.is_empty())
            .collect();
        lines.sort();
        lines
    };
    let (expected, actual) = (lines(&shown.lines.join("\n")), lines(today));
    let only = |a: &[String], b: &[String]| -> Vec<String> {
        let mut rest = b.to_vec();
        a.iter()
            .filter(|line| match rest.iter().position(|other| other == *line) {
                Some(at) => {
                    rest.remove(at);
                    false
                }
                None => true,
            })
            .cloned()
            .collect()
    };
    assert!(
        expected == actual,
        "{page}:{}: the lines shown for `{}` no longer have the shapes the tool prints.\n\
         only shown: {:?}\nonly today: {:?}\ntoday's output:\n{today}\n\
         Refresh it with BANK_QUEUE_BLESS={page} cargo test -p bank-queue-tests --test docs",
        shown.open + 1,
        command.shown,
        only(&expected, &actual),
        only(&actual, &expected),
    );
}

/// Fails unless the output of a command that the tests run smaller (see
/// `Shown::smaller`) says nothing the output shown does not: every word of
/// today's shape is one of the shown output's. (A smaller run prints fewer
/// rows, so the words cannot be checked in order.)
fn check_words_within(page: &str, command: &Shown, shown: &Block, today: &str) {
    let expected: BTreeSet<String> = shape(&shown.lines.join("\n")).into_iter().collect();
    let new: Vec<String> = shape(today)
        .into_iter()
        .filter(|word| !expected.contains(word))
        .collect();
    assert!(
        new.is_empty(),
        "{page}:{}: `{}`, run smaller in the tests, printed words the output shown does not \
         have: {new:?}\ntoday's output:\n{today}\n\
         Refresh it with BANK_QUEUE_BLESS={page} cargo test -p bank-queue-tests --test docs",
        shown.open + 1,
        command.shown,
    );
}

/// Fails unless the image a command wrote today says what the one shown
/// says: the same words in its text (titles, names, notes), whatever its
/// numbers, ticks and lines.
fn check_image(page: &str, command: &Shown, image: &Image, today: &str, shown: &str, within: bool) {
    let words = |svg: &str| -> BTreeSet<String> {
        let mut text = String::new();
        let mut in_tag = false;
        for c in svg.chars() {
            match c {
                '<' => in_tag = true,
                '>' => {
                    in_tag = false;
                    text.push(' ');
                }
                _ if !in_tag => text.push(c),
                _ => {}
            }
        }
        shape(&text).into_iter().collect()
    };
    let (today, shown) = (words(today), words(shown));
    // A run made smaller for the tests draws less: it may only say nothing new.
    let agrees = if within {
        today.is_subset(&shown)
    } else {
        today == shown
    };
    assert!(
        agrees,
        "{page}:{}: {} written by `{}` no longer says what the one shown says.\n\
         only shown: {:?}\nonly today: {:?}\n\
         Refresh it with BANK_QUEUE_BLESS={page} cargo test -p bank-queue-tests --test docs",
        image.at + 1,
        image.shown,
        command.shown,
        shown.difference(&today).collect::<Vec<_>>(),
        today.difference(&shown).collect::<Vec<_>>(),
    );
}

/// The words of an output, without what changes from run to run: numbers,
/// the bars of a swimlane, spacing and line breaks, the number of the nouns
/// counted (`1 thread` or `2 threads`: how many runtime workers happened to
/// record the customers can differ from run to run), and the word "speed"
/// (compare says "8× speed" in its header when it ran sped up, or read the
/// trace files of a sped-up run).
fn shape(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|word| !word.is_empty() && !word.chars().any(|c| c.is_ascii_digit()))
        .filter(|word| *word != "speed")
        .map(|word| word.strip_suffix('s').unwrap_or(word).to_string())
        .collect()
}

/// Fails unless an excerpt is found, as written, in the file it names.
fn check_excerpt(page: &str, block: &Block) {
    let mut lines = block.lines.iter();
    let header = lines.next().map(|l| l.trim()).unwrap_or_default();
    let file = header.strip_prefix("// ").unwrap_or_else(|| {
        panic!(
            "{page}:{}: a rust excerpt starts with `// path/to/file.rs`",
            block.open + 2
        )
    });
    let source = read(&root().join(file));
    let source: Vec<&str> = source.lines().map(str::trim_end).collect();
    let mut from = 0;
    let mut chunk: Vec<&str> = Vec::new();
    let chunks = lines.map(|l| l.trim_end()).chain(["// ..."]);
    for line in chunks {
        if line.trim() != "// ..." {
            chunk.push(line);
            continue;
        }
        if chunk.is_empty() {
            continue;
        }
        from = find_chunk(&source, from, &chunk).unwrap_or_else(|| {
            panic!(
                "{page}:{}: this part of the excerpt is not in {file} (after line {from}):\n{}",
                block.open + 1,
                chunk.join("\n")
            )
        });
        chunk.clear();
    }
}

/// Where `chunk` ends in `source`, searching from line `from`: every line
/// equal but for one indentation shift shared by the whole chunk.
fn find_chunk(source: &[&str], from: usize, chunk: &[&str]) -> Option<usize> {
    let first = chunk.iter().position(|l| !l.trim().is_empty())?;
    (from..source.len().saturating_sub(chunk.len() - 1)).find_map(|start| {
        let anchor = source[start + first];
        let shift = anchor.strip_suffix(chunk[first])?;
        let matches = chunk.iter().enumerate().all(|(i, line)| {
            let there = source[start + i];
            if line.trim().is_empty() {
                there.trim().is_empty()
            } else {
                there.strip_prefix(shift) == Some(line)
            }
        });
        (matches && shift.trim().is_empty()).then_some(start + chunk.len())
    })
}

/// The targets of the markdown links `[..](target)` in `text`, outside
/// fenced blocks.
fn links(text: &str) -> Vec<String> {
    let mut targets = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            rest = &rest[at + 2..];
            if let Some(end) = rest.find(')') {
                targets.push(rest[..end].to_string());
                rest = &rest[end..];
            }
        }
    }
    targets
}

/// Every page in `docs/`: the walkthroughs in order, then the others.
fn pages() -> impl Iterator<Item = &'static str> {
    WALKTHROUGHS
        .iter()
        .map(|(page, _)| *page)
        .chain(OTHER_PAGES)
}

/// The workspace's root directory.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests package lives inside the workspace")
        .to_path_buf()
}

/// Where the scratch directories go: under `target/`, inside the
/// workspace, so `cargo run` there finds the workspace.
fn scratch_root() -> PathBuf {
    let dir = root().join("target").join("docs");
    std::fs::create_dir_all(&dir).expect("target/docs can be made");
    dir
}

/// A file's text.
fn read(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}
