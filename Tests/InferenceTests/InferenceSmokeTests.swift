import Testing
@testable import Inference

@Test func moduleBuilds() { #expect(Bool(true)) }
