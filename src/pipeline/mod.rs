//! Everything that touches media: finding and running ffmpeg/ffprobe, reading MP4 boxes, building
//! ladders and HLS packages. It knows nothing of the command line or of HTTP; commands in `cmd/` call
//! into it and print its results.

pub mod asset;
pub mod captions;
pub mod completeness;
pub mod encode;
pub mod hls;
pub mod hls_check;
pub mod hls_check_groups;
pub mod ladder;
pub mod media_groups;
pub mod media_package;
pub mod mp4;
pub mod package;
pub mod probe;
pub mod process;
pub mod storyboard;
pub mod subtitles;
pub mod thumbnail;
pub mod tools;
pub mod tracks;
pub mod vtt_segment;
