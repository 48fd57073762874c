import Foundation
import NIOCore
import SIPUserAgent

extension ConnectionStatus {
    init(_ status: RegistrationStatus) {
        switch status {
        case .registering: self = .registering
        case .ready: self = .ready
        case .failed: self = .failed
        case .unregistering: self = .unregistering
        case .disabled: self = .disabled
        }
    }
}

extension ConnectionStatusReason {
    init(_ reason: RegistrationReason) {
        let text = reason.description
        switch reason {
        case .started: self.init(kind: .started, text: text)
        case .stopped: self.init(kind: .stopped, text: text)
        case .registrationNotRequired: self.init(kind: .registrationNotRequired, text: text)
        case .response(let code, let phrase):
            self.init(kind: .sipResponse, statusCode: code, reasonPhrase: phrase, text: text)
        case .credentialsRejected(let code, let phrase):
            self.init(kind: .credentialsRejected, statusCode: code, reasonPhrase: phrase, text: text)
        case .challengeRefused(let code, let phrase, _):
            self.init(kind: .challengeRefused, statusCode: code, reasonPhrase: phrase, text: text)
        case .localTimeout: self.init(kind: .localTimeout, text: text)
        case .transportError: self.init(kind: .transportError, text: text)
        case .flowLost: self.init(kind: .flowLost, text: text)
        case .probeFailed: self.init(kind: .probeFailed, text: text)
        case .bindingNotGranted: self.init(kind: .bindingNotGranted, text: text)
        case .unregisterTimedOut: self.init(kind: .unregisterTimedOut, text: text)
        }
    }

    static let notStarted = ConnectionStatusReason(kind: .stopped, text: "not started")
}

extension Date {
    /// The wall-clock time of a loop deadline (deadlines are monotonic; events carry dates); `now` is the
    /// loop's clock at this moment (`EventLoop.now`).
    init(_ deadline: NIODeadline, now: NIODeadline) {
        let delta = Double((deadline - now).nanoseconds) / 1e9
        self = Date().addingTimeInterval(delta)
    }
}
