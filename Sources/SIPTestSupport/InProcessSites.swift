// Tests reach the in-process sites through the test support they already import: the sites are a
// shipped target of their own (the QuickStart demo runs on them), the rest of this target is test-only.
@_exported import SIPInProcessSites
