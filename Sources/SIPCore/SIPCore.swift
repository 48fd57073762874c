// SIPCore: the SIP message model, byte-level parser and serializer (RFC 3261 §7, §20, §25).
