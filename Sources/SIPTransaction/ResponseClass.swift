/// The classes of status code the machines of §17 tell apart.
enum ResponseClass {
    /// 100–199.
    case provisional
    /// 200–299: for INVITE, accepted (RFC 6026 Accepted state).
    case success
    /// 300–699: a final response that is not a 2xx.
    case failure

    /// Nil outside 100–699: RFC 3261 §7.2 defines no other classes, so the machines ignore such a
    /// code rather than guess (the parser should have dropped the message already).
    init?(statusCode: Int) {
        switch statusCode {
        case 100...199: self = .provisional
        case 200...299: self = .success
        case 300...699: self = .failure
        default: return nil
        }
    }
}
