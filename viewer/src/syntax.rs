//! Transfer syntaxes we know by name, and what each means for decoding.

/// A transfer syntax (PS3.5 section 10 and annex A), by UID.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransferSyntax {
    /// 1.2.840.10008.1.2
    ImplicitVrLittleEndian,
    /// 1.2.840.10008.1.2.1
    ExplicitVrLittleEndian,
    /// 1.2.840.10008.1.2.1.98: frames in fragments, not compressed.
    EncapsulatedUncompressed,
    /// 1.2.840.10008.1.2.1.99: the whole data set deflated.
    DeflatedExplicitVrLittleEndian,
    /// 1.2.840.10008.1.2.2 (retired, still met).
    ExplicitVrBigEndian,
    /// 1.2.840.10008.1.2.8.1: each frame deflated.
    DeflatedImageFrame,
    /// 1.2.840.10008.1.2.5
    RleLossless,
    /// 1.2.840.10008.1.2.4.50: JPEG process 1, 8 bit, lossy.
    JpegBaseline,
    /// 1.2.840.10008.1.2.4.51: JPEG processes 2 and 4, 8 or 12 bit, lossy.
    JpegExtended,
    /// 1.2.840.10008.1.2.4.57: JPEG process 14, lossless.
    JpegLossless,
    /// 1.2.840.10008.1.2.4.70: JPEG process 14 with first-order prediction, lossless.
    JpegLosslessSv1,
    /// 1.2.840.10008.1.2.4.80
    JpegLsLossless,
    /// 1.2.840.10008.1.2.4.81
    JpegLsNearLossless,
    /// 1.2.840.10008.1.2.4.90
    Jpeg2000Lossless,
    /// 1.2.840.10008.1.2.4.91 (lossless or lossy; the stream decides).
    Jpeg2000,
    /// 1.2.840.10008.1.2.4.201
    Htj2kLossless,
    /// 1.2.840.10008.1.2.4.202
    Htj2kLosslessRpcl,
    /// 1.2.840.10008.1.2.4.203
    Htj2k,
    /// Anything else (video, JPEG XL, JPIP, private): parsed, pixels refused.
    Other(String),
}

impl TransferSyntax {
    /// Looks a UID up (trailing NUL and spaces already removed by the caller).
    pub fn from_uid(uid: &str) -> Self {
        match uid {
            "1.2.840.10008.1.2" => Self::ImplicitVrLittleEndian,
            "1.2.840.10008.1.2.1" => Self::ExplicitVrLittleEndian,
            "1.2.840.10008.1.2.1.98" => Self::EncapsulatedUncompressed,
            "1.2.840.10008.1.2.1.99" => Self::DeflatedExplicitVrLittleEndian,
            "1.2.840.10008.1.2.2" => Self::ExplicitVrBigEndian,
            "1.2.840.10008.1.2.8.1" => Self::DeflatedImageFrame,
            "1.2.840.10008.1.2.5" => Self::RleLossless,
            "1.2.840.10008.1.2.4.50" => Self::JpegBaseline,
            "1.2.840.10008.1.2.4.51" => Self::JpegExtended,
            "1.2.840.10008.1.2.4.57" => Self::JpegLossless,
            "1.2.840.10008.1.2.4.70" => Self::JpegLosslessSv1,
            "1.2.840.10008.1.2.4.80" => Self::JpegLsLossless,
            "1.2.840.10008.1.2.4.81" => Self::JpegLsNearLossless,
            "1.2.840.10008.1.2.4.90" => Self::Jpeg2000Lossless,
            "1.2.840.10008.1.2.4.91" => Self::Jpeg2000,
            "1.2.840.10008.1.2.4.201" => Self::Htj2kLossless,
            "1.2.840.10008.1.2.4.202" => Self::Htj2kLosslessRpcl,
            "1.2.840.10008.1.2.4.203" => Self::Htj2k,
            other => Self::Other(crate::error::clean(other, 64)),
        }
    }

    /// The UID.
    pub fn uid(&self) -> &str {
        match self {
            Self::ImplicitVrLittleEndian => "1.2.840.10008.1.2",
            Self::ExplicitVrLittleEndian => "1.2.840.10008.1.2.1",
            Self::EncapsulatedUncompressed => "1.2.840.10008.1.2.1.98",
            Self::DeflatedExplicitVrLittleEndian => "1.2.840.10008.1.2.1.99",
            Self::ExplicitVrBigEndian => "1.2.840.10008.1.2.2",
            Self::DeflatedImageFrame => "1.2.840.10008.1.2.8.1",
            Self::RleLossless => "1.2.840.10008.1.2.5",
            Self::JpegBaseline => "1.2.840.10008.1.2.4.50",
            Self::JpegExtended => "1.2.840.10008.1.2.4.51",
            Self::JpegLossless => "1.2.840.10008.1.2.4.57",
            Self::JpegLosslessSv1 => "1.2.840.10008.1.2.4.70",
            Self::JpegLsLossless => "1.2.840.10008.1.2.4.80",
            Self::JpegLsNearLossless => "1.2.840.10008.1.2.4.81",
            Self::Jpeg2000Lossless => "1.2.840.10008.1.2.4.90",
            Self::Jpeg2000 => "1.2.840.10008.1.2.4.91",
            Self::Htj2kLossless => "1.2.840.10008.1.2.4.201",
            Self::Htj2kLosslessRpcl => "1.2.840.10008.1.2.4.202",
            Self::Htj2k => "1.2.840.10008.1.2.4.203",
            Self::Other(uid) => uid,
        }
    }

    /// A short name for tables and messages.
    pub fn name(&self) -> &'static str {
        match self {
            Self::ImplicitVrLittleEndian => "implicit VR LE",
            Self::ExplicitVrLittleEndian => "explicit VR LE",
            Self::EncapsulatedUncompressed => "encapsulated uncompressed",
            Self::DeflatedExplicitVrLittleEndian => "deflated explicit VR LE",
            Self::ExplicitVrBigEndian => "explicit VR BE",
            Self::DeflatedImageFrame => "deflated image frame",
            Self::RleLossless => "RLE lossless",
            Self::JpegBaseline => "JPEG baseline",
            Self::JpegExtended => "JPEG extended",
            Self::JpegLossless => "JPEG lossless",
            Self::JpegLosslessSv1 => "JPEG lossless SV1",
            Self::JpegLsLossless => "JPEG-LS lossless",
            Self::JpegLsNearLossless => "JPEG-LS near-lossless",
            Self::Jpeg2000Lossless => "JPEG 2000 lossless",
            Self::Jpeg2000 => "JPEG 2000",
            Self::Htj2kLossless => "HTJ2K lossless",
            Self::Htj2kLosslessRpcl => "HTJ2K lossless RPCL",
            Self::Htj2k => "HTJ2K",
            Self::Other(_) => "other",
        }
    }

    /// Whether pixel data is in fragments (PS3.5 A.4).
    pub fn is_encapsulated(&self) -> bool {
        !matches!(
            self,
            Self::ImplicitVrLittleEndian
                | Self::ExplicitVrLittleEndian
                | Self::DeflatedExplicitVrLittleEndian
                | Self::ExplicitVrBigEndian
        )
    }

    /// Whether decoded values may differ from the original (lossy coding allowed by the syntax).
    pub fn may_be_lossy(&self) -> bool {
        matches!(
            self,
            Self::JpegBaseline
                | Self::JpegExtended
                | Self::JpegLsNearLossless
                | Self::Jpeg2000
                | Self::Htj2k
                | Self::Other(_)
        )
    }
}
