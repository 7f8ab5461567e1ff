import Foundation
import Testing
@testable import Service

@Suite struct JSONWriterTests {
    @Test func writesNestedObjectsThatParse() throws {
        var w = JSONWriter()
        w.beginObject()
        w.field("name", "a \"quoted\"\nline\u{1}")
        w.field("n", 3)
        w.key("list"); w.beginArray(); w.int(1); w.number(Float(2.5)); w.null(); w.endArray()
        w.key("inner"); w.beginObject(); w.field("ok", true); w.endObject()
        w.field("nan", Float.nan)
        w.endObject()
        let parsed = try #require(JSONSerialization.jsonObject(with: Data(w.text.utf8)) as? [String: Any])
        #expect(parsed["name"] as? String == "a \"quoted\"\nline\u{1}")
        #expect(parsed["n"] as? Int == 3)
        #expect((parsed["list"] as? [Any])?.count == 3)
        #expect((parsed["inner"] as? [String: Any])?["ok"] as? Bool == true)
        #expect(parsed["nan"] is NSNull)
    }

    @Test func arrayOfObjectsHasCommas() {
        var w = JSONWriter()
        w.beginArray()
        w.beginObject(); w.field("a", 1); w.endObject()
        w.beginObject(); w.field("b", 2); w.field("c", 3); w.endObject()
        w.endArray()
        #expect(w.text == #"[{"a":1},{"b":2,"c":3}]"#)
    }
}
