import Testing
@testable import Imaging

@Test func moduleBuilds() { #expect(Bool(true)) }
