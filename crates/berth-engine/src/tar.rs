//! A minimal tar (ustar, GNU long names) writer: the build context sent to the engine, and the
//! secret and config files copied into containers.

/// A minimal tar writer: regular files, folders and symbolic links.
#[derive(Default)]
pub(crate) struct Tar {
    out: Vec<u8>,
    /// Modification time of the entries, in seconds since the epoch.
    pub(crate) mtime: u64,
}

impl Tar {
    fn header(&mut self, name: &str, mode: u32, size: usize, kind: u8, link: &str) {
        self.owned_header(name, mode, (0, 0), size, kind, link);
    }

    fn owned_header(
        &mut self,
        name: &str,
        mode: u32,
        (uid, gid): (u64, u64),
        size: usize,
        kind: u8,
        link: &str,
    ) {
        if name.len() > 100 {
            // GNU long name: the name as the data of a preceding 'L' entry.
            let mut long = name.as_bytes().to_vec();
            long.push(0);
            self.header("././@LongLink", 0, long.len(), b'L', "");
            self.data(&long);
        }
        let mut h = [0u8; 512];
        let n = name.as_bytes();
        h[..n.len().min(100)].copy_from_slice(&n[..n.len().min(100)]);
        octal(&mut h[100..108], u64::from(mode));
        octal(&mut h[108..116], uid);
        octal(&mut h[116..124], gid);
        octal(&mut h[124..136], size as u64);
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
        self.out.extend_from_slice(&h);
    }

    fn data(&mut self, data: &[u8]) {
        self.out.extend_from_slice(data);
        let pad = (512 - data.len() % 512) % 512;
        self.out.extend(std::iter::repeat_n(0u8, pad));
    }

    pub(crate) fn file(&mut self, name: &str, mode: u32, data: &[u8]) {
        self.header(name, mode, data.len(), b'0', "");
        self.data(data);
    }

    /// A regular file owned by `uid`:`gid`.
    pub(crate) fn owned_file(&mut self, name: &str, mode: u32, owner: (u64, u64), data: &[u8]) {
        self.owned_header(name, mode, owner, data.len(), b'0', "");
        self.data(data);
    }

    pub(crate) fn dir(&mut self, name: &str, mode: u32) {
        self.header(&format!("{name}/"), mode, 0, b'5', "");
    }

    pub(crate) fn symlink(&mut self, name: &str, target: &str) {
        self.header(name, 0o777, 0, b'2', target);
    }

    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.out.extend(std::iter::repeat_n(0u8, 1024));
        self.out
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
