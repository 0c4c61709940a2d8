"""Refusals of the media domain: images we cannot take, text we may not publish."""

from __future__ import annotations

from domain_errors import DependencyUnavailable, DomainError, InvalidInput


class UnsupportedImage(DomainError):
    status = 415
    reason = "unsupported_image_type"
    message = "只支持 JPG、PNG、WebP 格式的图片"


class ImageTooLarge(DomainError):
    status = 413
    reason = "file_too_large"
    message = "图片不能超过 5 MB"


class ImageInvalid(InvalidInput):
    reason = "invalid_image"
    message = "图片已损坏或不完整，请重新上传"


class ImageBusy(DependencyUnavailable):
    """Every image-decoding slot of this process is taken (IMAGE_DECODE_CONCURRENCY)."""

    reason = "image_busy"
    message = "图片处理繁忙，请稍后再试"

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": "5"})


class ContentRisky(InvalidInput):
    reason = "content_risky"
    message = "内容含有不适宜发布的信息，请修改后再提交"


class StorageUnavailable(DependencyUnavailable):
    """The file store (the disk, or the S3-compatible object store) cannot store or read a file
    now: unreachable, timing out, refusing our keys, or its bucket missing. A missing file is
    not this: that is `media.storage.StorageError` (the caller answers 404)."""

    reason = "storage_unavailable"
    message = "文件存储暂时不可用，请稍后再试"

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": "30"})
