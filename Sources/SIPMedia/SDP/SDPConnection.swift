/// `c=<nettype> <addrtype> <connection-address>` (RFC 4566 §5.7), also the tail of `o=` (§5.2).
package struct SDPConnection: Hashable, Sendable {
    /// `IP4` or `IP6` (other values are kept as they came, so they can be written back).
    package var addressType: String
    /// The address as written, with any multicast `/ttl/count` suffix; a host name is legal SDP.
    package var address: String
    /// `IN` for every network a SIP call uses.
    package var networkType: String

    package init(addressType: String, address: String, networkType: String = "IN") {
        self.networkType = networkType
        self.addressType = addressType
        self.address = address
    }

    /// `IN IP4 …` or `IN IP6 …` chosen from the address's form.
    package init(address: String) {
        self.init(addressType: address.utf8.contains(UInt8(ascii: ":")) ? "IP6" : "IP4", address: address)
    }

    /// `0.0.0.0`: how RFC 2543 peers put a call on hold; RFC 3264 §8.4 asks answerers to accept it.
    package var isUnspecified: Bool { address == "0.0.0.0" || address == "::" }

    /// The value after `c=` (and after the session id and version of `o=`).
    package var fieldValue: String { "\(networkType) \(addressType) \(address)" }
}
