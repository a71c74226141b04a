//! Where reports go: S3 or a local directory (port `ReportStore`), and an
//! optional SNS notification (port `Notifier`).

use super::ReportError;
use std::future::Future;
use std::path::PathBuf;

/// One document of a report: its file name, bytes and media type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub name: String,
    pub body: Vec<u8>,
    pub content_type: &'static str,
}

impl Document {
    pub fn markdown(name: String, text: String) -> Self {
        let content_type = "text/markdown; charset=utf-8";
        Document {
            name,
            body: text.into_bytes(),
            content_type,
        }
    }

    pub fn json(name: String, body: Vec<u8>) -> Self {
        Document {
            name,
            body,
            content_type: "application/json",
        }
    }
}

/// Port: store one document under its name; returns its location.
pub trait ReportStore: Send + Sync {
    fn put(&self, doc: Document) -> impl Future<Output = Result<String, ReportError>> + Send;
}

/// Port: a short notification.
pub trait Notifier: Send + Sync {
    fn notify(
        &self,
        subject: &str,
        message: &str,
    ) -> impl Future<Output = Result<(), ReportError>> + Send;
}

/// Adapter: an S3 bucket and key prefix.
#[derive(Debug, Clone)]
pub struct S3Store {
    client: aws_sdk_s3::Client,
    bucket: String,
    prefix: String,
}

impl S3Store {
    pub fn new(config: &aws_config::SdkConfig, bucket: String, prefix: String) -> Self {
        // With an endpoint override (moto, LocalStack-like emulators) bucket
        // names cannot be host names: use path-style addressing there.
        let s3_config = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(config.endpoint_url().is_some())
            .build();
        S3Store {
            client: aws_sdk_s3::Client::from_conf(s3_config),
            bucket,
            prefix,
        }
    }
}

impl ReportStore for S3Store {
    async fn put(&self, doc: Document) -> Result<String, ReportError> {
        let key = format!("{}{}", self.prefix, doc.name);
        let location = format!("s3://{}/{key}", self.bucket);
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .content_type(doc.content_type)
            .body(doc.body.into())
            .send()
            .await
            .map_err(|e| ReportError::Write {
                location: location.clone(),
                source: aws_sdk_s3::error::DisplayErrorContext(e).to_string().into(),
            })?;
        Ok(location)
    }
}

/// Adapter: a local directory (local runs, no AWS).
#[derive(Debug, Clone)]
pub struct DirStore {
    pub dir: PathBuf,
}

impl ReportStore for DirStore {
    async fn put(&self, doc: Document) -> Result<String, ReportError> {
        let path = self.dir.join(&doc.name);
        let location = path.display().to_string();
        let write = async {
            if let Some(parent) = path.parent() {
                tokio::fs::create_dir_all(parent).await?;
            }
            tokio::fs::write(&path, doc.body).await
        };
        write.await.map_err(|e| ReportError::Write {
            location: location.clone(),
            source: Box::new(e),
        })?;
        Ok(location)
    }
}

/// Adapter: Amazon SNS.
#[derive(Debug, Clone)]
pub struct SnsNotifier {
    client: aws_sdk_sns::Client,
    topic_arn: String,
}

impl SnsNotifier {
    pub fn new(config: &aws_config::SdkConfig, topic_arn: String) -> Self {
        SnsNotifier {
            client: aws_sdk_sns::Client::new(config),
            topic_arn,
        }
    }
}

impl Notifier for SnsNotifier {
    async fn notify(&self, subject: &str, message: &str) -> Result<(), ReportError> {
        // SNS subjects: at most 100 printable ASCII characters.
        let subject: String = subject
            .chars()
            .filter(|c| c.is_ascii() && !c.is_ascii_control())
            .take(100)
            .collect();
        self.client
            .publish()
            .topic_arn(&self.topic_arn)
            .subject(subject)
            .message(message)
            .send()
            .await
            .map_err(|e| ReportError::Notify {
                topic: self.topic_arn.clone(),
                source: aws_sdk_sns::error::DisplayErrorContext(e)
                    .to_string()
                    .into(),
            })?;
        Ok(())
    }
}

/// No notification configured.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoNotifier;

impl Notifier for NoNotifier {
    async fn notify(&self, _subject: &str, _message: &str) -> Result<(), ReportError> {
        Ok(())
    }
}

/// The store chosen by configuration.
#[derive(Debug, Clone)]
pub enum ConfiguredStore {
    S3(S3Store),
    Dir(DirStore),
}

impl ReportStore for ConfiguredStore {
    async fn put(&self, doc: Document) -> Result<String, ReportError> {
        match self {
            ConfiguredStore::S3(s) => s.put(doc).await,
            ConfiguredStore::Dir(d) => d.put(doc).await,
        }
    }
}

/// The notifier chosen by configuration.
#[derive(Debug, Clone)]
pub enum ConfiguredNotifier {
    Sns(SnsNotifier),
    None,
}

impl Notifier for ConfiguredNotifier {
    async fn notify(&self, subject: &str, message: &str) -> Result<(), ReportError> {
        match self {
            ConfiguredNotifier::Sns(n) => n.notify(subject, message).await,
            ConfiguredNotifier::None => Ok(()),
        }
    }
}
