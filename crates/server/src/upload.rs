//! Saving an uploaded file to a temporary file as it arrives, so a large push list never sits in
//! memory whole. The caller removes the file when done.

use std::path::PathBuf;

use axum::body::Bytes;
use futures_util::{Stream, StreamExt};
use tokio::io::AsyncWriteExt;

use crate::error::AppError;

/// Writes the chunks of `stream` to a new temporary file; returns its path and size.
pub async fn save<S, E>(mut stream: S) -> Result<(PathBuf, u64), AppError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let path = std::env::temp_dir().join(format!(
        "wangge-upload-{}.bin",
        wangge_store::random_token()
    ));
    let mut file = tokio::fs::File::create(&path)
        .await
        .map_err(|e| AppError::Internal(format!("temp file: {e}")))?;
    let mut size = 0u64;
    let result: Result<(), AppError> = async {
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| AppError::BadRequest(format!("上传中断或过大：{e}")))?;
            size += chunk.len() as u64;
            file.write_all(&chunk)
                .await
                .map_err(|e| AppError::Internal(format!("temp file: {e}")))?;
        }
        file.flush()
            .await
            .map_err(|e| AppError::Internal(format!("temp file: {e}")))
    }
    .await;
    if let Err(e) = result {
        let _ = tokio::fs::remove_file(&path).await;
        return Err(e);
    }
    if size == 0 {
        let _ = tokio::fs::remove_file(&path).await;
        return Err(AppError::invalid(
            "file",
            "请选择要上传的文件（CSV 或 XLSX）",
        ));
    }
    Ok((path, size))
}
