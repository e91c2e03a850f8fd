//! Moving files and images out of and into a service's container: `export` (the filesystem as a
//! tar archive), `commit` (a new image) and `cp` (files and folders, both ways, with the Docker
//! CLI's rules for where a copy lands).

use std::path::{Component, Path, PathBuf};

use futures_util::StreamExt;

use crate::client::Engine;
use crate::tar::Tar;
use crate::EngineError;

/// Writes the container's filesystem, as a tar archive, to `out` chunk by chunk.
///
/// # Errors
/// Engine errors, or a failed write.
pub async fn export(
    engine: &Engine,
    id: &str,
    out: &mut (dyn std::io::Write + Send),
) -> Result<(), EngineError> {
    // A reader that stops early (`| tar t | head`) is not an error.
    let written = |r: std::io::Result<()>| match r {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(EngineError::Other(format!("write: {e}"))),
        Ok(()) => Ok(true),
    };
    let mut stream = engine.docker.export_container(id);
    while let Some(chunk) = stream.next().await {
        if !written(out.write_all(&chunk?))? {
            return Ok(());
        }
    }
    written(out.flush()).map(|_| ())
}

/// What `commit` records besides the container's changes.
#[derive(Clone, Debug, Default)]
pub struct CommitOptions {
    /// `REPOSITORY[:TAG]`.
    pub reference: Option<String>,
    pub author: Option<String>,
    pub message: Option<String>,
    /// Dockerfile instructions (`-c`).
    pub changes: Vec<String>,
    pub pause: bool,
}

/// Commits the container to a new image; returns its ID.
///
/// # Errors
/// Engine errors.
pub async fn commit(
    engine: &Engine,
    id: &str,
    opts: &CommitOptions,
) -> Result<String, EngineError> {
    // A dry run copies nothing and runs nothing.
    if engine.dry_run {
        return Ok(String::new());
    }
    let (repo, tag) = match opts.reference.as_deref() {
        None => (None, None),
        Some(r) => {
            // A colon after the last slash separates the tag (`host:5000/app` has none).
            let slash = r.rfind('/').map_or(0, |i| i + 1);
            match r[slash..].rfind(':') {
                Some(i) => (
                    Some(r[..slash + i].to_string()),
                    Some(r[slash + i + 1..].to_string()),
                ),
                None => (Some(r.to_string()), None),
            }
        }
    };
    let options = bollard::query_parameters::CommitContainerOptions {
        container: Some(id.to_string()),
        repo,
        tag,
        comment: opts.message.clone(),
        author: opts.author.clone(),
        pause: opts.pause,
        changes: (!opts.changes.is_empty()).then(|| opts.changes.join("\n")),
    };
    let r = engine
        .docker
        .commit_container(options, bollard::models::ContainerConfig::default())
        .await?;
    Ok(r.id)
}

/// One entry of a tar archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub mode: u32,
    /// Owner and group IDs.
    pub uid: u64,
    pub gid: u64,
    pub kind: EntryKind,
    pub data: Vec<u8>,
    pub link: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
    Other,
}

fn octal(field: &[u8]) -> u64 {
    let text: String = field
        .iter()
        .take_while(|b| **b != 0)
        .map(|b| char::from(*b))
        .collect();
    u64::from_str_radix(text.trim(), 8).unwrap_or(0)
}

fn cstr(field: &[u8]) -> String {
    let end = field.iter().position(|b| *b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

/// Reads a tar archive as the engine writes them (ustar, GNU long names, pax `path`).
///
/// # Errors
/// A truncated archive.
pub fn read_tar(bytes: &[u8]) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    scan_tar(bytes, |mut entry, data| {
        data.read_to_end(&mut entry.data)?;
        entries.push(entry);
        Ok(())
    })?;
    Ok(entries)
}

/// A reader that keeps, in `read`, how many bytes were read through it (a cell, so that it
/// can be read while the reader is lent out).
pub(crate) struct Counted<'c, R> {
    pub(crate) inner: R,
    pub(crate) read: &'c std::cell::Cell<u64>,
}

impl<R: std::io::Read> std::io::Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

/// Fills `buf` from `r`, or as much of it as the input still holds.
fn read_up_to(r: &mut impl std::io::Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..])? {
            0 => break,
            n => got += n,
        }
    }
    Ok(got)
}

/// Reads a tar archive from `input` entry by entry, as [`read_tar`] does, without holding it:
/// `visit` gets each entry's header (its `data` empty) and a reader of its data, which it may
/// leave unread. Stops at the archive's end (its zero block, or the end of the input).
///
/// # Errors
/// A truncated archive, or `visit`'s error.
pub fn scan_tar(
    mut input: impl std::io::Read,
    mut visit: impl FnMut(Entry, &mut dyn std::io::Read) -> std::io::Result<()>,
) -> Result<(), String> {
    use std::io::Read as _;
    let mut long_name: Option<String> = None;
    let mut long_link: Option<String> = None;
    let mut h = [0u8; 512];
    loop {
        let got = read_up_to(&mut input, &mut h).map_err(|e| e.to_string())?;
        if got < 512 || h.iter().all(|b| *b == 0) {
            return Ok(());
        }
        let size = octal(&h[124..136]);
        let padded = size.div_ceil(512) * 512;
        let kind = h[156];
        let meta = |input: &mut dyn std::io::Read| -> Result<Vec<u8>, String> {
            let mut data = Vec::new();
            input
                .take(size)
                .read_to_end(&mut data)
                .map_err(|e| e.to_string())?;
            if (data.len() as u64) < size {
                return Err("truncated tar archive".into());
            }
            std::io::copy(&mut input.take(padded - size), &mut std::io::sink())
                .map_err(|e| e.to_string())?;
            Ok(data)
        };
        match kind {
            b'L' => {
                long_name = Some(cstr(&meta(&mut input)?));
                continue;
            }
            b'K' => {
                long_link = Some(cstr(&meta(&mut input)?));
                continue;
            }
            b'x' => {
                for rec in String::from_utf8_lossy(&meta(&mut input)?).lines() {
                    if let Some((_, kv)) = rec.split_once(' ') {
                        if let Some(p) = kv.strip_prefix("path=") {
                            long_name = Some(p.to_string());
                        } else if let Some(l) = kv.strip_prefix("linkpath=") {
                            long_link = Some(l.to_string());
                        }
                    }
                }
                continue;
            }
            b'g' => {
                meta(&mut input)?;
                continue;
            }
            _ => {}
        }
        let name = long_name.take().unwrap_or_else(|| {
            let prefix = cstr(&h[345..500]);
            let name = cstr(&h[0..100]);
            if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            }
        });
        let link = long_link.take().unwrap_or_else(|| cstr(&h[157..257]));
        let entry = Entry {
            name: name.trim_end_matches('/').to_string(),
            mode: u32::try_from(octal(&h[100..108]) & 0o7777).unwrap_or(0o644),
            uid: octal(&h[108..116]),
            gid: octal(&h[116..124]),
            kind: match kind {
                b'0' | 0 | b'7' => EntryKind::File,
                b'5' => EntryKind::Dir,
                b'2' => EntryKind::Symlink,
                _ => EntryKind::Other,
            },
            data: Vec::new(),
            link,
        };
        let read = std::cell::Cell::new(0);
        let mut data = Counted {
            inner: (&mut input).take(size),
            read: &read,
        };
        visit(entry, &mut data).map_err(|e| e.to_string())?;
        // What the visitor left, then the padding.
        std::io::copy(&mut data, &mut std::io::sink()).map_err(|e| e.to_string())?;
        if read.get() < size {
            return Err("truncated tar archive".into());
        }
        let skipped = std::io::copy(&mut (&mut input).take(padded - size), &mut std::io::sink())
            .map_err(|e| e.to_string())?;
        if skipped < padded - size {
            return Err("truncated tar archive".into());
        }
    }
}

/// The archive of `path` in the container (its entries named from the path's last element).
///
/// # Errors
/// Engine errors: `Could not find the file ... in container ...` for a missing path.
pub async fn download(engine: &Engine, id: &str, path: &str) -> Result<Vec<u8>, EngineError> {
    // A dry run copies nothing and runs nothing.
    if engine.dry_run {
        return Ok(Vec::new());
    }
    let mut stream = engine.docker.download_from_container(
        id,
        Some(bollard::query_parameters::DownloadFromContainerOptions {
            path: path.to_string(),
        }),
    );
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        out.extend_from_slice(&chunk.map_err(|e| EngineError::Other(crate::daemon_message(&e)))?);
    }
    Ok(out)
}

/// Whether `path` in the container is a folder (`None` when it does not exist).
async fn container_is_dir(engine: &Engine, id: &str, path: &str) -> Option<bool> {
    let tar = download(engine, id, path).await.ok()?;
    read_tar(&tar)
        .ok()?
        .first()
        .map(|e| e.kind == EntryKind::Dir)
}

/// A relative entry name that stays inside the folder it is extracted to.
fn safe(name: &str) -> Option<PathBuf> {
    let p = Path::new(name);
    p.components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        .then(|| p.to_path_buf())
}

/// Copies `src` out of the container to `dest` on this machine, as `docker cp` does: into
/// `dest` when it is an existing folder, as `dest` otherwise; `SRC/.` copies a folder's
/// content.
///
/// # Errors
/// Engine errors, an entry that would land outside `dest`, or a failed write.
pub async fn copy_out(
    engine: &Engine,
    id: &str,
    src: &str,
    dest: &Path,
) -> Result<(), EngineError> {
    // A dry run copies nothing and runs nothing.
    if engine.dry_run {
        return Ok(());
    }
    let contents_only = src.ends_with("/.");
    let tar = download(engine, id, src).await?;
    let entries = read_tar(&tar).map_err(EngineError::Other)?;
    let io = |e: std::io::Error, p: &Path| EngineError::Other(format!("{}: {e}", p.display()));
    let into_dir = dest.is_dir();
    for e in entries {
        let Some(rel) = safe(&e.name) else {
            return Err(EngineError::Other(format!(
                "refusing archive entry {:?}: it leaves the destination",
                e.name
            )));
        };
        // The first component is the source's own name.
        let mut parts = rel.components();
        let _root = parts.next();
        let rest: PathBuf = parts.collect();
        let target = if contents_only || !into_dir {
            if rest.as_os_str().is_empty() {
                dest.to_path_buf()
            } else {
                dest.join(&rest)
            }
        } else {
            dest.join(&rel)
        };
        match e.kind {
            EntryKind::Dir => std::fs::create_dir_all(&target).map_err(|x| io(x, &target))?,
            EntryKind::File => {
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent).map_err(|x| io(x, parent))?;
                }
                std::fs::write(&target, &e.data).map_err(|x| io(x, &target))?;
                set_mode(&target, e.mode);
            }
            EntryKind::Symlink => {
                let _ = std::fs::remove_file(&target);
                std::os::unix::fs::symlink(&e.link, &target).map_err(|x| io(x, &target))?;
            }
            EntryKind::Other => {}
        }
    }
    Ok(())
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
}

/// Adds `path` (a file, a folder and everything in it, or a symbolic link) to `tar` as `name`.
fn add_path(tar: &mut Tar, path: &Path, name: &str, follow: bool) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let meta = if follow {
        std::fs::metadata(path)
    } else {
        std::fs::symlink_metadata(path)
    }
    .map_err(|e| format!("{}: {e}", path.display()))?;
    let mode = meta.permissions().mode() & 0o7777;
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(path).map_err(|e| format!("{}: {e}", path.display()))?;
        tar.symlink(name, &target.to_string_lossy());
    } else if meta.is_dir() {
        tar.dir(name, mode);
        let mut children: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .filter_map(Result::ok)
            .collect();
        children.sort_by_key(std::fs::DirEntry::file_name);
        for c in children {
            let child = format!("{name}/{}", c.file_name().to_string_lossy());
            add_path(tar, &c.path(), &child, false)?;
        }
    } else {
        let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        tar.file(name, mode, &data);
    }
    Ok(())
}

/// Copies `src` on this machine into the container at `dest`, as `docker cp` does: into
/// `dest` when it is an existing folder there, as `dest` otherwise.
///
/// # Errors
/// A missing source, or engine errors (a missing parent folder in the container).
pub async fn copy_in(
    engine: &Engine,
    id: &str,
    src: &Path,
    dest: &str,
    follow: bool,
) -> Result<(), EngineError> {
    // A dry run copies nothing and runs nothing.
    if engine.dry_run {
        return Ok(());
    }
    let base = src
        .file_name()
        .map_or_else(|| ".".to_string(), |n| n.to_string_lossy().into_owned());
    let (dir, name) = if container_is_dir(engine, id, dest).await == Some(true) {
        (dest.to_string(), base)
    } else {
        let trimmed = dest.trim_end_matches('/');
        match trimmed.rsplit_once('/') {
            Some((parent, leaf)) => (
                if parent.is_empty() {
                    "/".to_string()
                } else {
                    parent.to_string()
                },
                leaf.to_string(),
            ),
            None => (".".to_string(), trimmed.to_string()),
        }
    };
    let mut tar = Tar::default();
    add_path(&mut tar, src, &name, follow).map_err(EngineError::Other)?;
    engine
        .docker
        .upload_to_container(
            id,
            Some(bollard::query_parameters::UploadToContainerOptions {
                path: dir,
                ..Default::default()
            }),
            bollard::body_full(tar.finish().into()),
        )
        .await
        .map_err(|e| EngineError::Other(crate::daemon_message(&e)))
}

/// Copies files into the container at absolute paths (`develop.watch` sync), creating the
/// folders above them: one archive, extracted at `/`.
///
/// # Errors
/// A file that cannot be read, or engine errors.
pub async fn sync_files(
    engine: &Engine,
    id: &str,
    files: &[(PathBuf, String)],
) -> Result<(), EngineError> {
    let mut tar = Tar::default();
    let mut made = std::collections::HashSet::new();
    for (local, dest) in files {
        let rel = dest.trim_start_matches('/');
        let mut parent = String::new();
        let parts: Vec<&str> = rel.split('/').filter(|p| !p.is_empty()).collect();
        for part in parts.iter().take(parts.len().saturating_sub(1)) {
            if !parent.is_empty() {
                parent.push('/');
            }
            parent.push_str(part);
            if made.insert(parent.clone()) {
                tar.dir(&parent, 0o755);
            }
        }
        add_path(&mut tar, local, rel, false).map_err(EngineError::Other)?;
    }
    upload_tar(engine, id, "/", tar.finish()).await
}

/// Runs `command` in the container and waits for it; returns its exit code and what it
/// wrote (standard output and error, interleaved).
///
/// # Errors
/// Engine errors.
pub async fn exec_wait(
    engine: &Engine,
    id: &str,
    command: &[String],
) -> Result<(i64, Vec<u8>), EngineError> {
    // A dry run copies nothing and runs nothing.
    if engine.dry_run {
        return Ok((0, Vec::new()));
    }
    let exec = engine
        .docker
        .create_exec(
            id,
            bollard::exec::CreateExecOptions {
                cmd: Some(command.to_vec()),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                ..Default::default()
            },
        )
        .await?;
    let mut written = Vec::new();
    if let bollard::exec::StartExecResults::Attached { mut output, .. } =
        engine.docker.start_exec(&exec.id, None).await?
    {
        while let Some(chunk) = output.next().await {
            if let Ok(c) = chunk {
                written.extend_from_slice(&c.into_bytes());
            }
        }
    }
    let info = engine.docker.inspect_exec(&exec.id).await?;
    Ok((info.exit_code.unwrap_or(0), written))
}

/// Removes the image `id` when it has no name left (a rebuild moved its tag away).
///
/// # Errors
/// Engine errors (an image still in use stays, with its error).
pub async fn remove_dangling_image(engine: &Engine, id: &str) -> Result<(), EngineError> {
    // A dry run copies nothing and runs nothing.
    if engine.dry_run {
        return Ok(());
    }
    let info = engine.docker.inspect_image(id).await?;
    if info.repo_tags.unwrap_or_default().is_empty() {
        engine
            .docker
            .remove_image(
                id,
                None::<bollard::query_parameters::RemoveImageOptions>,
                None,
            )
            .await?;
    }
    Ok(())
}

/// Extracts a tar archive (`cp - SERVICE:DEST`) into the folder `dest` of the container.
///
/// # Errors
/// Engine errors (a missing folder).
pub async fn upload_tar(
    engine: &Engine,
    id: &str,
    dest: &str,
    tar: Vec<u8>,
) -> Result<(), EngineError> {
    // A dry run copies nothing and runs nothing.
    if engine.dry_run {
        return Ok(());
    }
    engine
        .docker
        .upload_to_container(
            id,
            Some(bollard::query_parameters::UploadToContainerOptions {
                path: dest.to_string(),
                ..Default::default()
            }),
            bollard::body_full(tar.into()),
        )
        .await
        .map_err(|e| EngineError::Other(crate::daemon_message(&e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archives_read_back_what_was_written() {
        let mut t = Tar::default();
        t.dir("d", 0o755);
        t.file("d/a.txt", 0o640, b"hello");
        t.symlink("d/l", "a.txt");
        let long = format!("d/{}", "x".repeat(120));
        t.file(&long, 0o644, b"long");
        let entries = read_tar(&t.finish()).unwrap();
        assert_eq!(entries.len(), 4);
        assert_eq!(entries[0].kind, EntryKind::Dir);
        assert_eq!(
            (entries[1].name.as_str(), &entries[1].data[..]),
            ("d/a.txt", &b"hello"[..])
        );
        assert_eq!(entries[1].mode, 0o640);
        assert_eq!(
            (entries[2].kind, entries[2].link.as_str()),
            (EntryKind::Symlink, "a.txt")
        );
        assert_eq!(entries[3].name, long);
    }

    #[test]
    fn entries_that_leave_the_destination_are_refused() {
        assert!(safe("a/b").is_some());
        assert!(safe("../etc/passwd").is_none());
        assert!(safe("/etc/passwd").is_none());
        assert!(read_tar(&[1u8; 100]).unwrap().is_empty());
        let mut t = Tar::default();
        t.file("big", 0o644, &[7u8; 2000]);
        let whole = t.finish();
        assert_eq!(
            read_tar(&whole[..1500]).unwrap_err(),
            "truncated tar archive"
        );
    }
}
