import Domain
import Foundation

/// `menus/areas.geojson`: a GeoJSON FeatureCollection with one feature per area, its
/// `properties.code` an area code of the catalogue and its geometry a Polygon or MultiPolygon in
/// longitude/latitude. Every problem names the file and the place in it (a JSON path).
struct AreaBoundaryFile {
    var boundaries = AreaBoundaries()
    var problems: [DefinitionProblem] = []

    init(path: String, displayName: String, areas: Set<String>) {
        func problem(_ place: String, _ message: String) { problems.append(DefinitionProblem(file: displayName, place: place, message: message)) }
        guard let data = FileManager.default.contents(atPath: path) else { problem("", "cannot be read"); return }
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: data) } catch {
            problem("", "is not JSON: \((error as NSError).userInfo[NSDebugDescriptionErrorKey] ?? error)")
            return
        }
        guard let root = json as? [String: Any], root["type"] as? String == "FeatureCollection", let features = root["features"] as? [Any] else {
            problem("", "must be a GeoJSON FeatureCollection with a \"features\" list")
            return
        }
        var shapes: [AreaBoundaries.Shape] = []
        for (i, item) in features.enumerated() {
            let at = "features[\(i)]"
            guard let feature = item as? [String: Any], feature["type"] as? String == "Feature" else { problem(at, "must be a Feature"); continue }
            guard let code = (feature["properties"] as? [String: Any])?["code"] as? String else {
                problem("\(at).properties.code", "is missing: name the area (an area code of catalogue.yaml)")
                continue
            }
            guard areas.contains(code) else { problem("\(at).properties.code", "'\(code)' is not an area of catalogue.yaml"); continue }
            guard let geometry = feature["geometry"] as? [String: Any], let type = geometry["type"] as? String, let coordinates = geometry["coordinates"] as? [Any] else {
                problem("\(at).geometry", "must have a type and coordinates")
                continue
            }
            let polygons: [(String, Any)]
            switch type {
            case "Polygon": polygons = [("\(at).geometry.coordinates", coordinates)]
            case "MultiPolygon": polygons = coordinates.enumerated().map { ("\(at).geometry.coordinates[\($0.offset)]", $0.element) }
            default: problem("\(at).geometry.type", "'\(type)': only Polygon and MultiPolygon bound an area"); continue
            }
            var parsed: [[AreaBoundaries.Ring]] = []
            for (place, polygon) in polygons {
                guard let rings = polygon as? [Any], !rings.isEmpty else { problem(place, "a polygon is a list of rings (the outline, then any holes)"); continue }
                var out: [AreaBoundaries.Ring] = []
                for (r, ringValue) in rings.enumerated() {
                    if let ring = Self.ring(ringValue, at: "\(place)[\(r)]", problem) { out.append(ring) }
                }
                if out.count == rings.count { parsed.append(out) }
            }
            shapes.append(AreaBoundaries.Shape(area: code, polygons: parsed))
        }
        boundaries = AreaBoundaries(shapes: shapes)
    }

    /// A closed ring of at least four [longitude, latitude] positions.
    static func ring(_ value: Any, at place: String, _ problem: (String, String) -> Void) -> AreaBoundaries.Ring? {
        guard let positions = value as? [Any] else { problem(place, "a ring is a list of [longitude, latitude] positions"); return nil }
        var ring: AreaBoundaries.Ring = []
        for (p, position) in positions.enumerated() {
            guard let pair = position as? [Any], pair.count >= 2, let long = (pair[0] as? NSNumber)?.doubleValue, let lat = (pair[1] as? NSNumber)?.doubleValue,
                  !(pair[0] is Bool), let point = GeoPoint(lat: lat, long: long) else {
                problem("\(place)[\(p)]", "must be [longitude, latitude] in degrees (longitude -180 to 180, latitude -90 to 90)")
                return nil
            }
            ring.append(point)
        }
        guard ring.count >= 4 else { problem(place, "a ring needs at least 4 positions (a triangle, closed)"); return nil }
        guard ring.first == ring.last else { problem(place, "a ring must end where it starts"); return nil }
        return ring
    }
}
