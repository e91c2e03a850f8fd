//! A minimal tar (ustar, GNU long names) writer: the build context sent to the engine, and the
//! secret and config files copied into containers. It writes to any [`Write`]: a `Vec` for
//! small archives, a stream to the engine for a build context, whose files are copied in
//! pieces and never held whole in memory.

use std::io::{self, Read, Write};

/// A minimal tar writer: regular files, folders and symbolic links. The first write error is
/// kept, later writes are skipped, and [`Tar::close`] returns it.
pub(crate) struct Tar<W: Write = Vec<u8>> {
    out: W,
    error: Option<io::Error>,
    /// Modification time of the entries, in seconds since the epoch.
    pub(crate) mtime: u64,
}

impl Default for Tar<Vec<u8>> {
    fn default() -> Self {
        Tar::new(Vec::new())
    }
}

/// How many bytes an entry named `name` with `size` bytes of data takes in the archive: its
/// header, a GNU long-name entry before it when the name is longer than 100 bytes, and its
/// data padded to 512.
pub(crate) fn stored_size(name: &str, size: u64) -> u64 {
    let padded = |n: u64| n.div_ceil(512) * 512;
    let long = if name.len() > 100 {
        512 + padded(name.len() as u64 + 1)
    } else {
        0
    };
    long + 512 + padded(size)
}

/// The two zero blocks that end an archive.
pub(crate) const TRAILER: u64 = 1024;

impl<W: Write> Tar<W> {
    pub(crate) fn new(out: W) -> Self {
        Tar {
            out,
            error: None,
            mtime: 0,
        }
    }

    fn put(&mut self, bytes: &[u8]) {
        if self.error.is_none() {
            if let Err(e) = self.out.write_all(bytes) {
                self.error = Some(e);
            }
        }
    }

    fn header(&mut self, name: &str, mode: u32, size: u64, kind: u8, link: &str) {
        self.owned_header(name, mode, (0, 0), size, kind, link);
    }

    fn owned_header(
        &mut self,
        name: &str,
        mode: u32,
        (uid, gid): (u64, u64),
        size: u64,
        kind: u8,
        link: &str,
    ) {
        if name.len() > 100 {
            // GNU long name: the name as the data of a preceding 'L' entry.
            let mut long = name.as_bytes().to_vec();
            long.push(0);
            self.header("././@LongLink", 0, long.len() as u64, b'L', "");
            self.data(&long);
        }
        let mut h = [0u8; 512];
        let n = name.as_bytes();
        h[..n.len().min(100)].copy_from_slice(&n[..n.len().min(100)]);
        octal(&mut h[100..108], u64::from(mode));
        octal(&mut h[108..116], uid);
        octal(&mut h[116..124], gid);
        octal(&mut h[124..136], size);
        octal(&mut h[136..148], self.mtime);
        h[156] = kind;
        let l = link.as_bytes();
        h[157..157 + l.len().min(100)].copy_from_slice(&l[..l.len().min(100)]);
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].fill(b' ');
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        octal(&mut h[148..155], u64::from(sum));
        h[155] = b' ';
        self.put(&h);
    }

    fn data(&mut self, data: &[u8]) {
        self.put(data);
        self.pad(data.len() as u64);
    }

    /// Zeros up to the next 512-byte block after `size` bytes of data.
    fn pad(&mut self, size: u64) {
        let pad = (512 - size % 512) % 512;
        self.put(&[0u8; 512][..usize::try_from(pad).unwrap_or(0)]);
    }

    pub(crate) fn file(&mut self, name: &str, mode: u32, data: &[u8]) {
        self.header(name, mode, data.len() as u64, b'0', "");
        self.data(data);
    }

    /// A regular file owned by `uid`:`gid`.
    pub(crate) fn owned_file(&mut self, name: &str, mode: u32, owner: (u64, u64), data: &[u8]) {
        self.owned_header(name, mode, owner, data.len() as u64, b'0', "");
        self.data(data);
    }

    pub(crate) fn dir(&mut self, name: &str, mode: u32) {
        self.header(&format!("{name}/"), mode, 0, b'5', "");
    }

    pub(crate) fn symlink(&mut self, name: &str, target: &str) {
        self.header(name, 0o777, 0, b'2', target);
    }

    /// A regular file of `size` bytes read from `data` in pieces. A file that is shorter than
    /// `size` when read (it shrank since it was listed) is padded with zeros, a longer one cut,
    /// so that the archive stays whole; an error reading it is the archive's error.
    pub(crate) fn file_from(&mut self, name: &str, mode: u32, size: u64, data: impl Read) {
        self.header(name, mode, size, b'0', "");
        if self.error.is_some() {
            return;
        }
        let copied = match io::copy(&mut data.take(size), &mut self.out) {
            Ok(n) => n,
            Err(e) => {
                self.error = Some(e);
                return;
            }
        };
        let mut left = size - copied;
        while left > 0 {
            let n = left.min(512);
            self.put(&[0u8; 512][..usize::try_from(n).unwrap_or(0)]);
            left -= n;
        }
        self.pad(size);
    }

    /// Ends the archive; the writer, or the first error met.
    pub(crate) fn close(mut self) -> io::Result<W> {
        self.put(&[0u8; 1024]);
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.out),
        }
    }
}

impl Tar<Vec<u8>> {
    pub(crate) fn finish(self) -> Vec<u8> {
        // Writing to a Vec does not fail.
        self.close().unwrap_or_default()
    }
}

/// Writes `v` in octal, zero-padded, NUL-terminated, into `field`.
fn octal(field: &mut [u8], v: u64) {
    let width = field.len() - 1;
    let s = format!("{v:0width$o}");
    let b = s.as_bytes();
    let start = b.len().saturating_sub(width);
    field[..width].copy_from_slice(&b[start..]);
    field[width] = 0;
}
