//! Reading an input file: the one place every input (configuration, context, scripts, manifests)
//! is read from, so that a hostile or broken file gives one clear error and never a hang or an
//! unbounded read.
//!
//! - links are followed, then the file must be a regular file (a FIFO, device, socket or
//!   directory is refused without reading it; a FIFO is opened non-blocking so that opening it
//!   cannot hang);
//! - at most `limit` bytes are read (a file that grows while it is read is cut off and refused);
//! - text must be UTF-8; a leading byte-order mark is dropped; a bad byte is reported with its
//!   line and column.
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// The bound for configuration-sized inputs (JSON files, scripts): far above any real one.
pub const SMALL_INPUT: u64 = 16 << 20;

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{} does not exist", path.display())]
    NotFound { path: PathBuf },
    #[error("cannot read {}: {message}", path.display())]
    Io { path: PathBuf, message: String },
    #[error("{} is {kind}, not a regular file; inputs are read only from regular files (after following links): replace it with a file", path.display())]
    NotRegular { path: PathBuf, kind: &'static str },
    #[error("{} has more than {limit} bytes, more than this input can be; check that it is the right file", path.display())]
    TooLarge { path: PathBuf, limit: u64 },
    #[error("{} is not UTF-8 text: byte 0x{byte:02x} at line {line}, column {column} (byte offset {offset}) is not valid UTF-8; save the file as UTF-8", path.display())]
    NotUtf8 {
        path: PathBuf,
        byte: u8,
        line: usize,
        column: usize,
        offset: usize,
    },
}

impl InputError {
    pub fn path(&self) -> &Path {
        match self {
            InputError::NotFound { path }
            | InputError::Io { path, .. }
            | InputError::NotRegular { path, .. }
            | InputError::TooLarge { path, .. }
            | InputError::NotUtf8 { path, .. } => path,
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, InputError::NotFound { .. })
    }
}

fn io_error(path: &Path, e: io::Error) -> InputError {
    if e.kind() == io::ErrorKind::NotFound {
        InputError::NotFound {
            path: path.to_path_buf(),
        }
    } else {
        InputError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    }
}

/// Open `path` for reading if it is a regular file (after following links).
pub fn open_regular(path: &Path) -> Result<(File, u64), InputError> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Opening a FIFO for reading waits for a writer unless it is non-blocking.
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| io_error(path, e))?;
    let meta = file.metadata().map_err(|e| io_error(path, e))?;
    if !meta.is_file() {
        return Err(InputError::NotRegular {
            path: path.to_path_buf(),
            kind: kind_of(&meta),
        });
    }
    Ok((file, meta.len()))
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let kind = meta.file_type();
    if kind.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// The bytes of the regular file `path`, at most `limit` of them.
pub fn read_bytes(path: &Path, limit: u64) -> Result<Vec<u8>, InputError> {
    let (file, len) = open_regular(path)?;
    let too_large = || InputError::TooLarge {
        path: path.to_path_buf(),
        limit,
    };
    if len > limit {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(path, e))?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// The UTF-8 text of the regular file `path` (at most `limit` bytes), without a leading BOM.
pub fn read_text(path: &Path, limit: u64) -> Result<String, InputError> {
    text_of(path, read_bytes(path, limit)?)
}

/// [`read_text`], or `None` when nothing exists at `path`.
pub fn read_optional_text(path: &Path, limit: u64) -> Result<Option<String>, InputError> {
    match read_text(path, limit) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Decode `bytes` read from `path` as UTF-8, dropping a leading byte-order mark.
pub fn text_of(path: &Path, mut bytes: Vec<u8>) -> Result<String, InputError> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let before = &bytes[..offset];
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        // Columns count characters, as editors show them.
        let column = 1 + String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count();
        InputError::NotUtf8 {
            path: path.to_path_buf(),
            byte: bytes[offset],
            line,
            column,
            offset,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_files_are_read_without_their_bom() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        std::fs::write(&path, b"\xEF\xBB\xBF{}").unwrap();
        assert_eq!(read_text(&path, 100).unwrap(), "{}");
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        assert_eq!(read_text(&link, 100).unwrap(), "{}");
    }

    #[test]
    fn devices_fifos_and_directories_are_refused_without_reading() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        let err = read_text(&link, 100).unwrap_err();
        assert!(
            matches!(
                err,
                InputError::NotRegular {
                    kind: "a device",
                    ..
                }
            ),
            "{err}"
        );
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let err = read_text(&fifo, 100).unwrap_err();
        assert!(err.to_string().contains("FIFO"), "{err}");
        let err = read_text(dir.path(), 100).unwrap_err();
        assert!(err.to_string().contains("a directory"), "{err}");
        assert!(read_optional_text(&dir.path().join("none"), 100)
            .unwrap()
            .is_none());
    }

    #[test]
    fn size_is_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        std::fs::write(&path, [b'x'; 101]).unwrap();
        assert!(matches!(
            read_bytes(&path, 100).unwrap_err(),
            InputError::TooLarge { limit: 100, .. }
        ));
        assert_eq!(read_bytes(&path, 101).unwrap().len(), 101);
    }

    #[test]
    fn bad_utf8_is_reported_with_its_position() {
        let err = text_of(Path::new("f"), b"{\n  \"A\": \"\xe9\"\n}".to_vec()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "f is not UTF-8 text: byte 0xe9 at line 2, column 9 (byte offset 10) is not valid UTF-8; save the file as UTF-8"
        );
    }
}
