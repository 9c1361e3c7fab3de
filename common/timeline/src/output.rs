//! Output files: how a trace, a Chrome trace, a report or a chart reaches
//! the place its flag names (`--trace`, `--chrome`, `--html`, `--chart`,
//! and the traces `compare --trace-dir` keeps). Every file any program here
//! writes for its user goes through [`write`].
//!
//! The place decides how, and nothing but a regular file is ever replaced:
//!
//! - **a regular file, or a new one**: written whole or not at all, into a
//!   hidden temporary file beside it (`.bank-queue-XXXXXXXX.tmp`), flushed
//!   and synced, then renamed over it. An interrupted write leaves the old
//!   file, never half a new one. The new file gets the mode a plain
//!   `File::create` gives, 0666 less the umask: a trace is for sharing.
//! - **a symbolic link** is followed, link after link, and what it leads to
//!   is written as itself (a regular file it leads to is replaced whole; the
//!   link stays a link);
//! - **a character device or a FIFO** (`/dev/null`, a terminal, a named
//!   pipe) is written in place, as a stream; a device that refuses the
//!   bytes (`/dev/full`) is an error like any other;
//! - **standard output**: `-`, or a path that names it (`/dev/stdout`,
//!   `/dev/fd/1`, `/proc/self/fd/1`, or the very file standard output is);
//!   and **standard error** likewise (`/dev/stderr`, ...): written through
//!   the process's own descriptor, so a redirection's file, offset and
//!   append mode are kept. Other descriptors of this process (`/dev/fd/63`,
//!   which `>(gzip > x)` gives) are opened again and written as a stream.
//!   The names `/dev/stdout`, `/dev/stderr` and `/dev/fd/N` are understood
//!   as bash understands them in a redirection, even on a system without them.
//!
//! A directory, a block device or a socket is refused. An error says what
//! went wrong with the place the user named, never with a temporary file's
//! name: the caller names the path, and nothing here adds another.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Where an output goes, once its path is understood.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// This process's standard output.
    Stdout,
    /// This process's standard error.
    Stderr,
    /// A character device, a FIFO or another descriptor of this process,
    /// at this path: written in place, as a stream.
    Stream(PathBuf),
    /// A regular file, or one to be made, at this path (links followed):
    /// written to a temporary file beside it, then renamed over it.
    File(PathBuf),
}

/// How many symbolic links are followed before giving up (as Linux does).
const MAX_LINKS: usize = 40;

/// Where the path a user gave leads (see the module's introduction).
pub fn place(path: &Path) -> io::Result<Place> {
    if path.as_os_str() == "-" {
        return Ok(Place::Stdout);
    }
    let mut at = path.to_owned();
    for _ in 0..MAX_LINKS {
        if let Some(fd) = own_descriptor(&at) {
            return Ok(match fd {
                1 => Place::Stdout,
                2 => Place::Stderr,
                _ => Place::Stream(at),
            });
        }
        let meta = match fs::symlink_metadata(&at) {
            Ok(meta) => meta,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Place::File(at)),
            Err(err) => return Err(err),
        };
        let kind = meta.file_type();
        if kind.is_symlink() {
            let target = fs::read_link(&at)?;
            // A relative link is relative to the directory that holds it.
            at = match at.parent() {
                Some(dir) if target.is_relative() => dir.join(target),
                _ => target,
            };
            continue;
        }
        if let Some(std) = standard_stream_of(&meta) {
            return Ok(std);
        }
        return if kind.is_file() {
            Ok(Place::File(at))
        } else if kind.is_char_device() || kind.is_fifo() {
            Ok(Place::Stream(at))
        } else if kind.is_dir() {
            Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "it is a directory",
            ))
        } else {
            Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "it is neither a regular file, a character device nor a FIFO",
            ))
        };
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("more than {MAX_LINKS} symbolic links, one after another"),
    ))
}

/// Whether the output named `path` goes to standard output (`-`,
/// `/dev/stdout`, ...): then standard output carries that file, and nothing
/// else may be printed there.
pub fn is_stdout(path: &Path) -> bool {
    matches!(place(path), Ok(Place::Stdout))
}

/// Refuses two outputs on standard output: it carries one file at most.
/// `outputs` are the flags and the paths they were given, if any.
pub fn one_on_stdout(outputs: &[(&str, Option<&Path>)]) -> Result<(), String> {
    let on_stdout: Vec<&str> = outputs
        .iter()
        .filter(|(_, path)| path.is_some_and(is_stdout))
        .map(|(flag, _)| *flag)
        .collect();
    match on_stdout.as_slice() {
        [first, second, ..] => Err(format!(
            "{first} and {second} both go to standard output, which carries one file at most: \
             give one of them a file"
        )),
        _ => Ok(()),
    }
}

/// Writes the output named `path`, as its [`place`] asks: `fill` writes the
/// bytes (buffered), and this returns how many there were.
///
/// A regular file is written whole or not at all: if `fill` or anything
/// after it fails, the file that was there is left as it was, and the
/// temporary file is removed.
pub fn write(path: &Path, fill: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<u64> {
    match place(path)? {
        Place::Stdout => stream(io::stdout().lock(), fill),
        Place::Stderr => stream(io::stderr().lock(), fill),
        // O_TRUNC empties a regular file behind a descriptor; Linux ignores
        // it for devices and FIFOs.
        Place::Stream(at) => stream(
            OpenOptions::new().write(true).truncate(true).open(at)?,
            fill,
        ),
        Place::File(at) => replace(&at, fill),
    }
}

/// Writes `fill`'s bytes to `out` as they come.
fn stream(out: impl Write, fill: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<u64> {
    fill_through(out, fill).map(|(_, bytes)| bytes)
}

/// Writes `fill`'s bytes to a temporary file beside `at`, then renames it
/// over `at`.
fn replace(at: &Path, fill: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<u64> {
    if at.file_name().is_none() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "it names a directory, not a file",
        ));
    }
    let dir = match at.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let (file, temp) = Temporary::beside(dir)?;
    let (file, bytes) = fill_through(file, fill)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&temp.path, at)?;
    temp.keep();
    Ok(bytes)
}

/// Has `fill` write into `out` through a buffer, flushed; gives `out` back
/// with the number of bytes written.
fn fill_through<W: Write>(
    out: W,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<(W, u64)> {
    let mut out = Counted {
        inner: BufWriter::with_capacity(64 * 1024, out),
        bytes: 0,
    };
    fill(&mut out)?;
    out.flush()?;
    let bytes = out.bytes;
    let inner = out
        .inner
        .into_inner()
        .map_err(io::IntoInnerError::into_error)?;
    Ok((inner, bytes))
}

/// A temporary file being written: removed when dropped, unless kept.
struct Temporary {
    /// Where it is, beside the file it will become.
    path: PathBuf,
    /// It became that file: nothing to remove.
    kept: bool,
}

impl Temporary {
    /// Makes a new, empty, hidden file in `dir`, with mode 0666 less the umask.
    fn beside(dir: &Path) -> io::Result<(File, Temporary)> {
        loop {
            let name = format!(".bank-queue-{:08x}.tmp", fastrand::u32(..));
            let path = dir.join(name);
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o666)
                .open(&path)
            {
                Ok(file) => return Ok((file, Temporary { path, kept: false })),
                // Another writer's: draw another name.
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {}
                Err(err) => return Err(err),
            }
        }
    }

    /// It has become the file asked for: nothing to remove.
    fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for Temporary {
    fn drop(&mut self) {
        if !self.kept {
            // Nothing more can be done about a file that cannot be removed.
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// A writer that counts the bytes it passes on.
struct Counted<W: Write> {
    /// Where the bytes go.
    inner: W,
    /// How many went.
    bytes: u64,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The descriptor of this process that `path` names, if it names one:
/// `/dev/stdin`, `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`,
/// `/proc/self/fd/N`, `/proc/thread-self/fd/N` or `/proc/PID/fd/N` with
/// this process's PID.
fn own_descriptor(path: &Path) -> Option<u32> {
    let text = path.to_str()?;
    match text {
        "/dev/stdin" => return Some(0),
        "/dev/stdout" => return Some(1),
        "/dev/stderr" => return Some(2),
        _ => {}
    }
    let pid = format!("/proc/{}/fd/", std::process::id());
    [
        "/dev/fd/",
        "/proc/self/fd/",
        "/proc/thread-self/fd/",
        pid.as_str(),
    ]
    .iter()
    .find_map(|dir| text.strip_prefix(dir)?.parse().ok())
}

/// [`Place::Stdout`] or [`Place::Stderr`] when `meta` is the very file
/// (the same device and inode) standard output or standard error is.
fn standard_stream_of(meta: &fs::Metadata) -> Option<Place> {
    let same = |fd: std::os::fd::BorrowedFd<'_>| {
        let stream = fd.try_clone_to_owned().map(File::from);
        stream
            .and_then(|stream| stream.metadata())
            .is_ok_and(|its| (its.dev(), its.ino()) == (meta.dev(), meta.ino()))
    };
    if same(io::stdout().as_fd()) {
        Some(Place::Stdout)
    } else if same(io::stderr().as_fd()) {
        Some(Place::Stderr)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::os::unix::fs::{PermissionsExt as _, symlink};

    use nix::sys::stat::{Mode, SFlag, makedev, mknod};
    use nix::unistd::mkfifo;

    use super::*;

    /// A temporary directory for one test.
    fn scratch() -> tempfile::TempDir {
        tempfile::tempdir().expect("a scratch directory can be made")
    }

    /// What `dir` holds, by name, in order.
    fn names_in(dir: &Path) -> Vec<String> {
        let entries = fs::read_dir(dir).expect("the directory reads");
        let names: BTreeSet<String> = entries
            .map(|e| e.expect("an entry").file_name().to_string_lossy().into())
            .collect();
        names.into_iter().collect()
    }

    /// What fills an output: `text`.
    fn say(text: &'static str) -> impl FnOnce(&mut dyn Write) -> io::Result<()> {
        move |out| out.write_all(text.as_bytes())
    }

    /// Whether this process may make device nodes (root may).
    fn may_make_devices() -> bool {
        nix::unistd::geteuid().is_root()
    }

    #[test]
    fn a_new_file_gets_the_mode_a_plain_file_gets() {
        let dir = scratch();
        let plain = dir.path().join("plain.json");
        File::create(&plain).expect("a plain file can be made");
        let written = dir.path().join("written.json");
        assert_eq!(write(&written, say("{}")).expect("written"), 2);
        let mode = |path: &Path| {
            let meta = fs::metadata(path).expect("the file exists");
            meta.permissions().mode() & 0o777
        };
        assert_eq!(
            mode(&written),
            mode(&plain),
            "0666 less the umask, not 0600"
        );
        assert_eq!(fs::read_to_string(&written).expect("reads"), "{}");
    }

    #[test]
    fn a_regular_file_is_replaced_whole_or_not_at_all() {
        let dir = scratch();
        let file = dir.path().join("run.json");
        fs::write(&file, "old").expect("written");
        let failed = write(&file, |out| {
            out.write_all(b"half a new one")?;
            Err(io::Error::other("the run's data ran out"))
        });
        assert!(failed.is_err());
        assert_eq!(fs::read_to_string(&file).expect("reads"), "old");
        assert_eq!(names_in(dir.path()), ["run.json"], "no temporary file left");
        write(&file, say("new")).expect("written");
        assert_eq!(fs::read_to_string(&file).expect("reads"), "new");
        assert_eq!(names_in(dir.path()), ["run.json"]);
    }

    #[test]
    fn a_symlink_is_followed_and_stays_a_link() {
        let dir = scratch();
        let target = dir.path().join("real.json");
        fs::write(&target, "old").expect("written");
        fs::create_dir(dir.path().join("links")).expect("a directory");
        // A relative link, to a link, to the file.
        let first = dir.path().join("links").join("first.json");
        symlink("../second.json", &first).expect("a link");
        symlink("real.json", dir.path().join("second.json")).expect("a link");
        assert_eq!(
            place(&first).expect("understood"),
            Place::File(dir.path().join("links/../real.json"))
        );
        write(&first, say("new")).expect("written");
        assert_eq!(fs::read_to_string(&target).expect("reads"), "new");
        for link in [&first, &dir.path().join("second.json")] {
            assert!(
                fs::symlink_metadata(link)
                    .expect("exists")
                    .file_type()
                    .is_symlink()
            );
        }
        // A dangling link: what it points to is made.
        let dangling = dir.path().join("dangling.json");
        symlink("made.json", &dangling).expect("a link");
        write(&dangling, say("made")).expect("written");
        assert_eq!(
            fs::read_to_string(dir.path().join("made.json")).expect("reads"),
            "made"
        );
        assert!(
            fs::symlink_metadata(&dangling)
                .expect("exists")
                .file_type()
                .is_symlink()
        );
    }

    #[test]
    fn a_fifo_is_written_as_a_stream_and_stays_a_fifo() {
        let dir = scratch();
        let fifo = dir.path().join("pipe");
        mkfifo(&fifo, Mode::from_bits_truncate(0o600)).expect("a FIFO can be made");
        let reader = std::thread::spawn({
            let fifo = fifo.clone();
            move || fs::read_to_string(fifo).expect("the FIFO reads")
        });
        assert_eq!(write(&fifo, say("through the pipe")).expect("written"), 16);
        // Checked first: a FIFO replaced by a file would leave the reader
        // waiting for ever.
        assert!(
            fs::symlink_metadata(&fifo)
                .expect("exists")
                .file_type()
                .is_fifo()
        );
        assert_eq!(reader.join().expect("the reader ends"), "through the pipe");
        assert_eq!(names_in(dir.path()), ["pipe"]);
    }

    #[test]
    fn a_character_device_is_written_in_place_and_its_refusal_named() {
        if !may_make_devices() {
            println!("skipped: making device nodes needs root");
            return;
        }
        let dir = scratch();
        let null = dir.path().join("null");
        let full = dir.path().join("full");
        let kind = SFlag::S_IFCHR;
        let mode = Mode::from_bits_truncate(0o666);
        mknod(&null, kind, mode, makedev(1, 3)).expect("a null device can be made");
        mknod(&full, kind, mode, makedev(1, 7)).expect("a full device can be made");
        assert_eq!(
            place(&null).expect("understood"),
            Place::Stream(null.clone())
        );
        assert_eq!(write(&null, say("gone")).expect("written"), 4);
        let err = write(&full, say("no room")).expect_err("/dev/full takes nothing");
        assert_eq!(err.raw_os_error(), Some(nix::libc::ENOSPC), "{err}");
        assert!(!err.to_string().contains("tmp"), "{err}");
        for device in [&null, &full] {
            assert!(
                fs::symlink_metadata(device)
                    .expect("exists")
                    .file_type()
                    .is_char_device()
            );
        }
        assert_eq!(names_in(dir.path()), ["full", "null"], "nothing else made");
    }

    #[test]
    fn standard_output_is_named_in_every_way() {
        let dir = scratch();
        let link = dir.path().join("out");
        symlink("/proc/self/fd/1", &link).expect("a link");
        for path in [
            Path::new("-"),
            Path::new("/dev/stdout"),
            Path::new("/dev/fd/1"),
            &link,
        ] {
            assert_eq!(
                place(path).expect("understood"),
                Place::Stdout,
                "{}",
                path.display()
            );
            assert!(is_stdout(path));
        }
        assert_eq!(
            place(Path::new("/dev/stderr")).expect("understood"),
            Place::Stderr
        );
        let own = format!("/proc/{}/fd/7", std::process::id());
        assert_eq!(
            place(Path::new(&own)).expect("understood"),
            Place::Stream(own.into())
        );
        assert!(!is_stdout(&dir.path().join("file.json")));
        let file = dir.path().join("file.json");
        assert!(
            one_on_stdout(&[("--trace", Some(Path::new("-"))), ("--chrome", Some(&file))]).is_ok()
        );
        let both = one_on_stdout(&[("--trace", Some(Path::new("-"))), ("--chrome", Some(&link))]);
        assert_eq!(
            both.expect_err("two files on stdout"),
            "--trace and --chrome both go to standard output, which carries one file at most: \
             give one of them a file"
        );
    }

    #[test]
    fn a_directory_is_refused_and_no_temporary_name_shows() {
        let dir = scratch();
        for path in [
            dir.path().to_owned(),
            dir.path().join(".."),
            dir.path().join("no/such/dir/x.json"),
        ] {
            let err = write(&path, say("x")).expect_err("not a file");
            assert!(
                !err.to_string().contains("tmp"),
                "{}: {err}",
                path.display()
            );
        }
        assert!(names_in(dir.path()).is_empty());
    }
}
