/// What a connection authenticates with: the user name and password of RFC 7616 §3.4.
///
/// The password never leaves this value except into a hash: `description`, `debugDescription` and
/// the reflection `dump` uses all leave it out (credentials never appear in logs).
package struct DigestCredentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The name that goes into the digest and the `username` parameter: the `auth_user` setting,
    /// or the DN when no auth user is set.
    package var username: String
    package var password: String

    /// `authUser` defaults to `user` (the `auth_user` setting defaults to the DN).
    package init(user: String, password: String, authUser: String? = nil) {
        self.username = (authUser?.isEmpty == false ? authUser : nil) ?? user
        self.password = password
    }

    package var description: String { "DigestCredentials(username: \(username), password: <redacted>)" }
    package var debugDescription: String { description }
    package var customMirror: Mirror { Mirror(self, children: ["username": username, "password": "<redacted>"]) }
}
