import FlowEngine
import Testing
@testable import Store
import Gateway

@Suite struct SessionCodecTests {
    @Test(arguments: [
        Session(language: nil, state: "language"),
        Session(language: "zu", state: "report_address", page: 2, slots: ["service": "water", "address": "12:3 * # 5:x\n\"ê🚰"],
                trail: ["main", "report_service", "report_fault"], ended: false),
        Session(language: "af", state: "resume", slots: [:], trail: [],
                suspended: .init(state: "report_area", page: 1, slots: ["fault": "leak", "": ""], trail: ["main"]), ended: true),
    ])
    func sessionsRoundTripExactly(_ session: Session) {
        #expect(SessionCodec.decode(SessionCodec.encode(session)) == session)
    }

    @Test func garbageIsRejectedNotMisread() {
        #expect(SessionCodec.decode("") == nil)
        #expect(SessionCodec.decode("{\"state\":\"main\"}") == nil)
        #expect(SessionCodec.decode("s12:en4:main1:") == nil)
        #expect(SessionCodec.decode("s12:en99:main") == nil)
    }
}
