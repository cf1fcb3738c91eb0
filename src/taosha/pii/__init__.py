"""Chinese personal data: recognisers judged with checksums and context (`recognizers`), and the step
`pii.mask` that masks, flags or drops it without keeping it (`mask`)."""
