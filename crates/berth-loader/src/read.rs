//! Reading the files a project names: compose files, `.env` and env files, label files,
//! included and extended files. Each is read whole, as Docker Compose reads them, but never
//! more than [`LIMIT`] bytes of it: `/dev/zero`, a huge file or an endless pipe stops with an
//! error instead of filling the memory, and a named pipe nobody writes to reads as empty
//! instead of waiting forever.

use std::fs::OpenOptions;
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// The most Berth reads of one file of a project: 64 MiB, far above any compose or env file
/// (a generated project of 100,000 services takes 10 MB).
pub const LIMIT: usize = 64 * 1024 * 1024;

fn too_large() -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!(
            "the file is larger than {} MiB, the most Berth reads of a project's file",
            LIMIT / (1024 * 1024)
        ),
    )
}

/// The text of the file at `path`, UTF-8. A pipe or a device is read up to [`LIMIT`] too; a
/// named pipe is opened without waiting for a writer (with none, it is empty).
///
/// # Errors
/// The file cannot be opened or read (a folder, a missing file), is larger than [`LIMIT`],
/// or is not UTF-8.
pub fn text(path: impl AsRef<Path>) -> io::Result<String> {
    decode(bytes(path)?)
}

/// The text of an env file, which Docker Compose reads as Go strings: bytes that are not UTF-8
/// are kept, escaped as [`berth_model::value::escape_bytes`] escapes them (a value holding
/// them becomes bytes again when it is put in the model), and whether any was escaped (text
/// that is UTF-8 is taken as it is, whatever characters it holds).
///
/// # Errors
/// As [`text`], but for bytes that are not UTF-8.
pub fn env_text(path: impl AsRef<Path>) -> io::Result<(String, bool)> {
    let bytes = bytes(path)?;
    Ok(match String::from_utf8(bytes) {
        Ok(s) => (s, false),
        Err(e) => (berth_model::value::escape_bytes(e.as_bytes()), true),
    })
}

/// The bytes of the file at `path`, at most [`LIMIT`] of them (see [`text`]).
fn bytes(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let path = path.as_ref();
    let mut file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let meta = file.metadata()?;
    if meta.is_file() && meta.len() > LIMIT as u64 {
        return Err(too_large());
    }
    let mut out = Vec::with_capacity(if meta.is_file() {
        usize::try_from(meta.len()).unwrap_or(0)
    } else {
        0
    });
    let mut piece = vec![0u8; 64 * 1024];
    loop {
        match file.read(&mut piece) {
            Ok(0) => break,
            Ok(n) => {
                if out.len() + n > LIMIT {
                    return Err(too_large());
                }
                out.extend_from_slice(&piece[..n]);
            }
            // A pipe whose writer has not written yet.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// The text of a file's bytes: UTF-8, or UTF-16 after its byte-order mark (as go-yaml reads
/// a compose file written by a Windows editor).
fn decode(bytes: Vec<u8>) -> io::Result<String> {
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_string());
    let utf16 = |rest: &[u8], little: bool| -> io::Result<String> {
        if !rest.len().is_multiple_of(2) {
            return Err(invalid("stream did not contain valid UTF-16"));
        }
        let units = rest.chunks_exact(2).map(|c| {
            if little {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map_err(|_| invalid("stream did not contain valid UTF-16"))
    };
    match bytes.as_slice() {
        [0xff, 0xfe, rest @ ..] => utf16(rest, true),
        [0xfe, 0xff, rest @ ..] => utf16(rest, false),
        _ => String::from_utf8(bytes).map_err(|_| invalid("stream did not contain valid UTF-8")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 17, item 9: include, extends or env_file pointing at `/dev/zero` ran out of
    /// memory, and at a named pipe nobody writes to hung.
    #[test]
    fn dev_zero_and_fifos_neither_fill_memory_nor_hang() {
        let e = text(Path::new("/dev/zero")).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::FileTooLarge);
        assert!(e.to_string().contains("64 MiB"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        assert_eq!(text(&fifo).unwrap(), "");
        let big = dir.path().join("big");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(LIMIT as u64 + 1).unwrap();
        assert_eq!(text(&big).unwrap_err().kind(), io::ErrorKind::FileTooLarge);
        let small = dir.path().join("small");
        std::fs::write(&small, "a: b\n").unwrap();
        assert_eq!(text(&small).unwrap(), "a: b\n");
        assert!(text(dir.path()).is_err());
    }

    /// Issue 17, item 10: a compose file in UTF-16 (with its byte-order mark) was rejected;
    /// the reference reads it.
    #[test]
    fn utf16_files_were_rejected() {
        let text_of = |bytes: &[u8]| decode(bytes.to_vec());
        let mut le = vec![0xff, 0xfe];
        let mut be = vec![0xfe, 0xff];
        for unit in "a: é\n".encode_utf16() {
            le.extend(unit.to_le_bytes());
            be.extend(unit.to_be_bytes());
        }
        assert_eq!(text_of(&le).unwrap(), "a: é\n");
        assert_eq!(text_of(&be).unwrap(), "a: é\n");
        assert!(text_of(&[0xff, 0xfe, 0x61]).is_err());
        assert!(text_of(b"\xff\x00").is_err());
    }
}
