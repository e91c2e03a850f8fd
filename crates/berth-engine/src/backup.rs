//! Volume backups: a named volume's content as a tar archive with a manifest, and back.
//!
//! The content is read and written through the engine's archive API on a container that is
//! created and never started, with the volume mounted at `/data`. Its image is Berth's own,
//! imported from an archive holding one empty folder: nothing is pulled, and nothing runs.
//!
//! A backup is a tar archive of two entries: `manifest.json` (the volume's name, driver and
//! labels, each file with its type, mode, owner, size and SHA-256, the total size, and the
//! SHA-256 of the data), then `data.tar`, the volume's content as the engine archives it
//! (ownership, permissions, symbolic links and empty folders kept). `tar xf` opens it.
//!
//! Restoring checks the data against the manifest before writing anything, refuses a volume
//! that holds files unless forced, and reads the volume back afterwards to check that every
//! file arrived as the manifest lists it.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

use futures_util::StreamExt;
use serde_json::{json, Value as Json};
use sha2::{Digest, Sha256};

use crate::client::Engine;
use crate::tar::Tar;
use crate::transfer::{scan_tar, EntryKind};
use crate::EngineError;

/// The helper image, made by [`helper_image`].
pub const HELPER_IMAGE: &str = "berth-volume-helper:1";

/// Where the helper container mounts the volume.
const MOUNT: &str = "/data";

/// The version of the manifest's format.
const FORMAT: u64 = 1;

/// One entry of a volume: a file, a folder, a symbolic link or something else (a device, a
/// FIFO), with what the manifest records of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRecord {
    /// Relative to the volume's root; `.` is the root itself.
    pub path: String,
    pub kind: EntryKind,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub size: u64,
    /// A file's SHA-256, in hex.
    pub sha256: Option<String>,
    /// A symbolic link's target.
    pub target: Option<String>,
}

fn kind_name(k: EntryKind) -> &'static str {
    match k {
        EntryKind::File => "file",
        EntryKind::Dir => "dir",
        EntryKind::Symlink => "symlink",
        EntryKind::Other => "other",
    }
}

fn kind_of(name: &str) -> EntryKind {
    match name {
        "file" => EntryKind::File,
        "dir" => EntryKind::Dir,
        "symlink" => EntryKind::Symlink,
        _ => EntryKind::Other,
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The SHA-256 of `bytes`, in hex.
#[must_use]
pub fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// What a volume's archive (as the engine makes it of `/data`: entries under `data/`) holds,
/// sorted by path, read from `input` a piece at a time: each file's data is hashed as it
/// passes, never held.
///
/// # Errors
/// A truncated archive, or a failed read.
pub fn records_from(input: impl Read) -> Result<Vec<FileRecord>, String> {
    let root = MOUNT.trim_start_matches('/');
    let mut out: Vec<FileRecord> = Vec::new();
    scan_tar(input, |e, data| {
        let path = if e.name == root {
            ".".to_string()
        } else if let Some(p) = e.name.strip_prefix(root).and_then(|p| p.strip_prefix('/')) {
            p.to_string()
        } else {
            return Ok(());
        };
        let (size, sha256) = if e.kind == EntryKind::File {
            let mut hasher = Sha256::new();
            let mut buf = vec![0u8; 1 << 16];
            let mut size = 0u64;
            loop {
                let n = data.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
                size += n as u64;
            }
            (size, Some(hex(&hasher.finalize())))
        } else {
            (0, None)
        };
        out.push(FileRecord {
            path,
            kind: e.kind,
            mode: e.mode,
            uid: e.uid,
            gid: e.gid,
            size,
            sha256,
            target: (e.kind == EntryKind::Symlink).then(|| e.link.clone()),
        });
        Ok(())
    })?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// A reader that hashes what is read through it.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// A backup's manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    pub project: String,
    /// The volume's key in the compose files, and its name on the engine.
    pub volume: String,
    pub name: String,
    pub driver: String,
    pub labels: BTreeMap<String, String>,
    /// When the backup was made (RFC 3339).
    pub created: String,
    pub files: Vec<FileRecord>,
    /// The SHA-256 of `data.tar`.
    pub sha256: String,
}

impl Manifest {
    /// The bytes of the files.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }

    /// How many files, folders (the root left out) and symbolic links.
    #[must_use]
    pub fn counts(&self) -> (usize, usize, usize) {
        let n = |k| {
            self.files
                .iter()
                .filter(|f| f.kind == k && f.path != ".")
                .count()
        };
        (n(EntryKind::File), n(EntryKind::Dir), n(EntryKind::Symlink))
    }

    #[must_use]
    pub fn to_json(&self) -> Json {
        json!({
            "format": FORMAT,
            "project": self.project,
            "volume": self.volume,
            "name": self.name,
            "driver": self.driver,
            "labels": self.labels,
            "created": self.created,
            "size": self.size(),
            "sha256": self.sha256,
            "files": self.files.iter().map(|f| {
                let mut v = json!({
                    "path": f.path,
                    "type": kind_name(f.kind),
                    "mode": format!("{:04o}", f.mode),
                    "uid": f.uid,
                    "gid": f.gid,
                    "size": f.size,
                });
                if let Some(s) = &f.sha256 {
                    v["sha256"] = json!(s);
                }
                if let Some(t) = &f.target {
                    v["target"] = json!(t);
                }
                v
            }).collect::<Vec<_>>(),
        })
    }

    /// Reads a manifest back.
    ///
    /// # Errors
    /// What is missing or malformed.
    pub fn from_json(v: &Json) -> Result<Manifest, String> {
        if v["format"].as_u64() != Some(FORMAT) {
            return Err(format!(
                "manifest format {} is not one this Berth reads ({FORMAT})",
                v["format"]
            ));
        }
        let text = |k: &str| {
            v[k].as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("the manifest has no {k}"))
        };
        let files = v["files"]
            .as_array()
            .ok_or("the manifest has no files")?
            .iter()
            .map(|f| {
                Ok(FileRecord {
                    path: f["path"].as_str().ok_or("a file without a path")?.into(),
                    kind: kind_of(f["type"].as_str().unwrap_or("")),
                    mode: u32::from_str_radix(f["mode"].as_str().unwrap_or("0"), 8)
                        .map_err(|_| "a file with a bad mode")?,
                    uid: f["uid"].as_u64().unwrap_or(0),
                    gid: f["gid"].as_u64().unwrap_or(0),
                    size: f["size"].as_u64().unwrap_or(0),
                    sha256: f["sha256"].as_str().map(str::to_string),
                    target: f["target"].as_str().map(str::to_string),
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Manifest {
            project: text("project")?,
            volume: text("volume")?,
            name: text("name")?,
            driver: text("driver")?,
            labels: v["labels"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                        .collect()
                })
                .unwrap_or_default(),
            created: text("created")?,
            files,
            sha256: text("sha256")?,
        })
    }
}

/// Where what is in a volume differs from what a manifest lists: one line per difference.
#[must_use]
pub fn differences(expected: &[FileRecord], got: &[FileRecord]) -> Vec<String> {
    let mut out = Vec::new();
    let found: BTreeMap<&str, &FileRecord> = got.iter().map(|f| (f.path.as_str(), f)).collect();
    for want in expected {
        let Some(have) = found.get(want.path.as_str()) else {
            out.push(format!("{}: missing", want.path));
            continue;
        };
        if have.kind != want.kind {
            out.push(format!(
                "{}: a {}, not a {}",
                want.path,
                kind_name(have.kind),
                kind_name(want.kind)
            ));
        } else if have.sha256 != want.sha256 {
            out.push(format!("{}: its content differs (checksum)", want.path));
        } else if have.target != want.target {
            out.push(format!("{}: its link target differs", want.path));
        } else if have.mode != want.mode && want.kind != EntryKind::Symlink {
            out.push(format!(
                "{}: mode {:04o}, not {:04o}",
                want.path, have.mode, want.mode
            ));
        } else if (have.uid, have.gid) != (want.uid, want.gid) {
            out.push(format!(
                "{}: owned by {}:{}, not {}:{}",
                want.path, have.uid, have.gid, want.uid, want.gid
            ));
        }
    }
    out
}

/// Writes a backup: the manifest, then the `size` bytes of data read from `data`.
///
/// # Errors
/// A failed read or write.
pub fn write_archive(
    out: impl Write,
    manifest: &Manifest,
    data: impl Read,
    size: u64,
) -> std::io::Result<()> {
    let mut tar = Tar::new(out);
    tar.mtime = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let text = serde_json::to_string_pretty(&manifest.to_json()).unwrap_or_default() + "\n";
    tar.file("manifest.json", 0o644, text.as_bytes());
    tar.file_from("data.tar", 0o644, size, data);
    tar.close()?.flush()
}

/// Where a backup's data lies in its file: its offset and length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataAt {
    pub offset: u64,
    pub len: u64,
}

/// Reads a backup: its manifest, and where its data lies, the data checked against the
/// manifest (its checksum, and each file's) in one pass that holds none of it.
///
/// # Errors
/// Not a backup, or one whose data does not match its manifest.
pub fn read_archive(input: impl Read) -> Result<(Manifest, DataAt), String> {
    let mut manifest: Option<Manifest> = None;
    let mut found: Option<(DataAt, String, Vec<FileRecord>)> = None;
    let mut failure: Option<String> = None;
    // The data's offset is what was read of the file when its entry's header ends.
    let offsets = std::cell::Cell::new(0u64);
    let mut track = crate::transfer::Counted {
        inner: input,
        read: &offsets,
    };
    scan_tar(&mut track, |e, data| {
        match e.name.as_str() {
            "manifest.json" => {
                let mut text = Vec::new();
                data.read_to_end(&mut text)?;
                match serde_json::from_slice::<Json>(&text)
                    .map_err(|e| format!("its manifest is not JSON: {e}"))
                    .and_then(|j| Manifest::from_json(&j))
                {
                    Ok(m) => manifest = Some(m),
                    Err(e) => failure = Some(e),
                }
            }
            "data.tar" => {
                let offset = offsets.get();
                let mut hashing = Hashing {
                    inner: data,
                    hasher: Sha256::new(),
                };
                let files = records_from(&mut hashing);
                std::io::copy(&mut hashing, &mut std::io::sink())?;
                let len = offsets.get() - offset;
                match files {
                    Ok(files) => {
                        found = Some((
                            DataAt { offset, len },
                            hex(&hashing.hasher.finalize()),
                            files,
                        ));
                    }
                    Err(e) => failure = Some(format!("its data is not a tar archive: {e}")),
                }
            }
            _ => {}
        }
        Ok(())
    })
    .map_err(|e| format!("cannot read it: {e}"))?;
    if let Some(e) = failure {
        return Err(e);
    }
    let (Some(manifest), Some((at, sum, files))) = (manifest, found) else {
        return Err("not a Berth volume backup: no manifest.json and data.tar in it".into());
    };
    if sum != manifest.sha256 {
        return Err(format!(
            "its data is damaged: SHA-256 {sum}, the manifest says {}",
            manifest.sha256
        ));
    }
    let wrong = differences(&manifest.files, &files);
    if let Some(first) = wrong.first() {
        return Err(format!(
            "its data does not match its manifest ({} differences; {first})",
            wrong.len()
        ));
    }
    Ok((manifest, at))
}

/// Makes the helper image when the engine lacks it: one empty folder, imported, so that
/// nothing is pulled.
///
/// # Errors
/// Engine errors.
pub async fn helper_image(engine: &Engine) -> Result<(), EngineError> {
    if engine.docker.inspect_image(HELPER_IMAGE).await.is_ok() {
        return Ok(());
    }
    let mut tar = Tar::default();
    tar.dir(MOUNT.trim_start_matches('/'), 0o755);
    let (repo, tag) = HELPER_IMAGE
        .split_once(':')
        .unwrap_or((HELPER_IMAGE, "latest"));
    let mut stream = engine.docker.create_image(
        Some(bollard::query_parameters::CreateImageOptions {
            from_src: Some("-".into()),
            repo: Some(repo.into()),
            tag: Some(tag.into()),
            changes: vec![
                "LABEL com.docker.compose.berth.helper=volumes".into(),
                "CMD [\"/none\"]".into(),
            ],
            ..Default::default()
        }),
        Some(bollard::body_full(tar.finish().into())),
        None,
    );
    while let Some(item) = stream.next().await {
        item?;
    }
    Ok(())
}

/// A container of the helper image with `volume` mounted at `/data`, created and never
/// started; removed when done with.
pub struct Helper<'e> {
    engine: &'e Engine,
    pub id: String,
}

impl<'e> Helper<'e> {
    /// # Errors
    /// Engine errors (a missing volume).
    pub async fn new(engine: &'e Engine, volume: &str) -> Result<Helper<'e>, EngineError> {
        helper_image(engine).await?;
        let body = bollard::models::ContainerCreateBody {
            image: Some(HELPER_IMAGE.into()),
            labels: Some(
                [(
                    "com.docker.compose.berth.helper".to_string(),
                    volume.to_string(),
                )]
                .into(),
            ),
            host_config: Some(bollard::models::HostConfig {
                mounts: Some(vec![bollard::models::Mount {
                    target: Some(MOUNT.into()),
                    source: Some(volume.into()),
                    typ: Some(bollard::models::MountTypeEnum::VOLUME),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        };
        let made = engine
            .docker
            .create_container(
                None::<bollard::query_parameters::CreateContainerOptions>,
                body,
            )
            .await?;
        Ok(Helper {
            engine,
            id: made.id,
        })
    }

    /// Writes the volume's content, as a tar archive with entries under `data/`, to the file
    /// `path` as it comes: its SHA-256 and length.
    ///
    /// # Errors
    /// Engine errors, or a failed write.
    pub async fn read_to(&self, path: &Path) -> Result<(String, u64), EngineError> {
        let mut out = std::io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|e| EngineError::Other(format!("{}: {e}", path.display())))?,
        );
        let mut hasher = Sha256::new();
        let mut len = 0u64;
        let mut stream = self.engine.docker.download_from_container(
            &self.id,
            Some(bollard::query_parameters::DownloadFromContainerOptions {
                path: MOUNT.to_string(),
            }),
        );
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| EngineError::Other(crate::daemon_message(&e)))?;
            hasher.update(&chunk);
            len += chunk.len() as u64;
            out.write_all(&chunk)
                .map_err(|e| EngineError::Other(format!("{}: {e}", path.display())))?;
        }
        out.flush()
            .map_err(|e| EngineError::Other(format!("{}: {e}", path.display())))?;
        Ok((hex(&hasher.finalize()), len))
    }

    /// What the volume holds now, read through a file beside `near` that is removed after.
    ///
    /// # Errors
    /// Engine errors, or a failed read or write.
    pub async fn records(&self, near: &Path) -> Result<Vec<FileRecord>, EngineError> {
        let scratch = scratch_file(near);
        let read = self.read_to(&scratch).await;
        let files = read.and_then(|_| {
            let file = std::fs::File::open(&scratch)
                .map_err(|e| EngineError::Other(format!("{}: {e}", scratch.display())))?;
            records_from(std::io::BufReader::new(file)).map_err(EngineError::Other)
        });
        let _ = std::fs::remove_file(&scratch);
        files
    }

    /// Extracts the `at.len` bytes at `at.offset` of the file `path` (a tar archive with
    /// entries under `data/`) into the volume, sent a piece at a time.
    ///
    /// # Errors
    /// Engine errors, or a failed read.
    pub async fn write_from(&self, path: &Path, at: DataAt) -> Result<(), EngineError> {
        use std::io::Seek as _;
        let mut file = std::fs::File::open(path)
            .map_err(|e| EngineError::Other(format!("{}: {e}", path.display())))?;
        file.seek(std::io::SeekFrom::Start(at.offset))
            .map_err(|e| EngineError::Other(format!("{}: {e}", path.display())))?;
        let pieces = futures_util::stream::unfold(
            (file.take(at.len), false),
            |(mut rest, done)| async move {
                if done {
                    return None;
                }
                let mut buf = vec![0u8; 1 << 20];
                match rest.read(&mut buf) {
                    Ok(0) => None,
                    Ok(n) => {
                        buf.truncate(n);
                        Some((Ok(bytes::Bytes::from(buf)), (rest, false)))
                    }
                    Err(e) => Some((Err(e), (rest, true))),
                }
            },
        );
        self.engine
            .docker
            .upload_to_container(
                &self.id,
                Some(bollard::query_parameters::UploadToContainerOptions {
                    path: "/".to_string(),
                    ..Default::default()
                }),
                bollard::body_try_stream(pieces),
            )
            .await
            .map_err(|e| EngineError::Other(crate::daemon_message(&e)))
    }

    /// Removes the container (never the volume).
    pub async fn remove(self) {
        let _ = self
            .engine
            .docker
            .remove_container(
                &self.id,
                Some(bollard::query_parameters::RemoveContainerOptions {
                    force: true,
                    v: false,
                    link: false,
                }),
            )
            .await;
    }
}

/// A file name for a transient copy beside `near` (on the same disk), unique to this process
/// and moment.
fn scratch_file(near: &Path) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = near
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(std::env::temp_dir, Path::to_path_buf);
    dir.join(format!(".berth-volume-{}-{nanos}.tar", std::process::id()))
}

/// Backs up the engine's volume `name` (the project's volume `key`) into the file `out`.
///
/// # Errors
/// Engine errors, or a failed write.
pub async fn backup(
    engine: &Engine,
    project: &str,
    key: &str,
    name: &str,
    out: &Path,
) -> Result<Manifest, EngineError> {
    let info =
        engine.docker.inspect_volume(name).await.map_err(|e| {
            EngineError::Other(format!("volume {name}: {}", crate::daemon_message(&e)))
        })?;
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| EngineError::Other(format!("{}: {e}", dir.display())))?;
    }
    // The data is written beside the backup as it comes, then put into it: never held whole.
    let data_file = scratch_file(out);
    let helper = Helper::new(engine, name).await?;
    let read = helper.read_to(&data_file).await;
    helper.remove().await;
    let made = async {
        let (sum, len) = read?;
        let open = || {
            std::fs::File::open(&data_file)
                .map(std::io::BufReader::new)
                .map_err(|e| EngineError::Other(format!("{}: {e}", data_file.display())))
        };
        let files = records_from(open()?).map_err(EngineError::Other)?;
        let manifest = Manifest {
            project: project.to_string(),
            volume: key.to_string(),
            name: name.to_string(),
            driver: info.driver,
            labels: info.labels.into_iter().collect(),
            created: crate::logs::utc_time(
                i64::try_from(
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs()),
                )
                .unwrap_or(0),
                0,
                crate::logs::TimeStyle::Trimmed,
            ),
            files,
            sha256: sum,
        };
        // Written aside, then renamed: a backup on disk is always whole.
        let part = out.with_extension("tar.part");
        let write = || -> std::io::Result<()> {
            let file = std::io::BufWriter::new(std::fs::File::create(&part)?);
            write_archive(file, &manifest, open().map_err(std::io::Error::other)?, len)?;
            std::fs::rename(&part, out)
        };
        write().map_err(|e| EngineError::Other(format!("{}: {e}", out.display())))?;
        Ok(manifest)
    }
    .await;
    let _ = std::fs::remove_file(&data_file);
    made
}

/// What a restore wrote.
#[derive(Clone, Debug)]
pub struct Restored {
    pub manifest: Manifest,
    /// The volume written to.
    pub name: String,
    /// Whether the volume was made for it.
    pub created: bool,
    /// What the volume held that the backup does not (left in place: a restore deletes
    /// nothing).
    pub kept: Vec<String>,
}

/// Why a restore did not happen.
#[derive(Debug)]
pub enum RestoreError {
    /// The volume holds files, and the restore was not forced: how many.
    NotEmpty {
        name: String,
        entries: usize,
    },
    /// The archive is not a backup, or is damaged.
    Archive(String),
    /// The volume, read back, differs from the manifest.
    Mismatch {
        name: String,
        differences: Vec<String>,
    },
    Engine(EngineError),
}

impl std::fmt::Display for RestoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RestoreError::NotEmpty { name, entries } => write!(
                f,
                "volume {name} is not empty ({entries} entries): restore it with --force to write over them"
            ),
            RestoreError::Archive(e) => f.write_str(e),
            RestoreError::Mismatch { name, differences } => write!(
                f,
                "volume {name}, read back, differs from the backup in {} places: {}",
                differences.len(),
                differences.iter().take(5).cloned().collect::<Vec<_>>().join("; ")
            ),
            RestoreError::Engine(e) => write!(f, "{e}"),
        }
    }
}

impl From<EngineError> for RestoreError {
    fn from(e: EngineError) -> Self {
        RestoreError::Engine(e)
    }
}

/// Restores the backup `archive` into the engine's volume `name` (the one it was made of when
/// `None`), created with the backup's driver and labels when missing. A volume holding
/// anything is written over only when `force`, and what it holds that the backup lacks is
/// kept (and reported). The volume is read back and checked against the manifest.
///
/// # Errors
/// See [`RestoreError`].
pub async fn restore(
    engine: &Engine,
    archive: &Path,
    name: Option<&str>,
    force: bool,
) -> Result<Restored, RestoreError> {
    let file = std::fs::File::open(archive)
        .map_err(|e| RestoreError::Archive(format!("{}: {e}", archive.display())))?;
    let (manifest, at) = read_archive(std::io::BufReader::new(file))
        .map_err(|e| RestoreError::Archive(format!("{}: {e}", archive.display())))?;
    let name = name.unwrap_or(&manifest.name).to_string();
    let created = if engine.docker.inspect_volume(&name).await.is_ok() {
        false
    } else {
        engine
            .docker
            .create_volume(bollard::models::VolumeCreateOptions {
                name: Some(name.clone()),
                driver: Some(manifest.driver.clone()),
                labels: Some(manifest.labels.clone().into_iter().collect()),
                ..Default::default()
            })
            .await
            .map_err(EngineError::from)?;
        true
    };
    let helper = Helper::new(engine, &name).await?;
    let done = async {
        let before = helper.records(archive).await?;
        let entries = before.iter().filter(|f| f.path != ".").count();
        if entries > 0 && !force {
            return Err(RestoreError::NotEmpty {
                name: name.clone(),
                entries,
            });
        }
        helper.write_from(archive, at).await?;
        let after = helper.records(archive).await?;
        let wrong = differences(&manifest.files, &after);
        if !wrong.is_empty() {
            return Err(RestoreError::Mismatch {
                name: name.clone(),
                differences: wrong,
            });
        }
        let listed: std::collections::HashSet<&str> =
            manifest.files.iter().map(|f| f.path.as_str()).collect();
        Ok(after
            .into_iter()
            .filter(|f| !listed.contains(f.path.as_str()))
            .map(|f| f.path)
            .collect())
    }
    .await;
    helper.remove().await;
    let kept = done?;
    Ok(Restored {
        manifest,
        name,
        created,
        kept,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn volume_tar() -> Vec<u8> {
        let mut t = Tar::default();
        t.dir("data", 0o755);
        t.dir("data/empty", 0o700);
        t.owned_file("data/a.txt", 0o640, (999, 998), b"hello");
        t.symlink("data/link", "a.txt");
        t.finish()
    }

    #[test]
    fn a_backup_reads_back_as_it_was_written() {
        let data = volume_tar();
        let files = records_from(&data[..]).unwrap();
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, [".", "a.txt", "empty", "link"]);
        assert_eq!(
            (files[1].uid, files[1].gid, files[1].mode),
            (999, 998, 0o640)
        );
        assert_eq!(files[1].sha256.as_deref(), Some(sha256(b"hello").as_str()));
        assert_eq!(files[3].target.as_deref(), Some("a.txt"));
        let manifest = Manifest {
            project: "p".into(),
            volume: "data".into(),
            name: "p_data".into(),
            driver: "local".into(),
            labels: [("com.docker.compose.volume".to_string(), "data".to_string())].into(),
            created: "2026-12-07T22:00:00Z".into(),
            files,
            sha256: sha256(&data),
        };
        assert_eq!(manifest.size(), 5);
        assert_eq!(manifest.counts(), (1, 1, 1));
        let mut archive = Vec::new();
        write_archive(&mut archive, &manifest, &data[..], data.len() as u64).unwrap();
        let (back, at) = read_archive(&archive[..]).unwrap();
        assert_eq!(back, manifest);
        let start = usize::try_from(at.offset).unwrap();
        assert_eq!(&archive[start..start + data.len()], &data[..]);
        assert_eq!(at.len, data.len() as u64);
    }

    #[test]
    fn a_damaged_backup_is_refused() {
        let data = volume_tar();
        let manifest = Manifest {
            project: "p".into(),
            volume: "data".into(),
            name: "p_data".into(),
            driver: "local".into(),
            labels: BTreeMap::new(),
            created: String::new(),
            files: records_from(&data[..]).unwrap(),
            sha256: sha256(b"something else"),
        };
        let mut archive = Vec::new();
        write_archive(&mut archive, &manifest, &data[..], data.len() as u64).unwrap();
        let e = read_archive(&archive[..]).unwrap_err();
        assert!(e.contains("its data is damaged"), "{e}");
        assert!(read_archive(&b"not a tar"[..])
            .unwrap_err()
            .contains("not a Berth volume backup"));
    }

    #[test]
    fn differences_name_each_file_that_did_not_arrive_as_listed() {
        let want = records_from(&volume_tar()[..]).unwrap();
        let mut got = want.clone();
        got[1].uid = 0;
        got[3].target = Some("elsewhere".into());
        got.remove(2);
        assert_eq!(
            differences(&want, &got),
            [
                "a.txt: owned by 0:998, not 999:998",
                "empty: missing",
                "link: its link target differs"
            ]
        );
    }
}
