import Domain
import Foundation
import Testing

/// Whether two reports name the same spot, as data: real South African spellings of one place,
/// and of places that only look alike.
@Suite struct ReportedPlaceTests {
    static let same: [(String, String)] = [
        ("12 Vilakazi St", "12 vilakazi street"),
        ("12 Vilakazi St", "12 VILAKAZI STREET, Orlando West"),
        ("12 Vilakazi Street", "12 Vilakazi"),
        ("burst pipe at 12 Vilakazi St", "12 Vilakazi Str."),
        ("No. 12 Vilakazi St", "12 Vilakazi St Orlando West Soweto"),
        ("12, Vilakazi St.", "12 Vilakazi St, Soweto 1804"),
        ("45 Main Rd", "45 main road"),
        ("45 Main Rd, Fordsburg", "45 Main Road Fordsburg Johannesburg"),
        ("7 Jan Smuts Ave", "7 Jan Smuts Avenue"),
        ("7 Jan Smuts Ave, Parktown", "7 jan smuts av"),
        ("101 Beyers Naude Dr", "101 Beyers Naude Drive, Northcliff"),
        ("3 Acacia Cres", "3 Acacia Crescent"),
        ("18 Protea Ln", "18 Protea Lane Ext 2"),
        ("9 Church Str", "9 Church Street"),
        ("22 Kerkstraat", "22 Kerkstraat"),
        ("22 Kerk Straat", "22 Kerk Street"),
        ("5 Voortrekker Weg", "5 Voortrekker Road"),
        ("16 Louis Botha Laan", "16 Louis Botha Avenue"),
        ("1234 Mofolo North", "1234 mofolo north"),
        ("4412 Zone 7", "4412 Zone 7 Pimville"),
        ("56 Nelson Mandela Blvd", "56 Nelson Mandela Boulevard"),
        ("8 Old Pretoria Hwy", "8 Old Pretoria Highway"),
        ("11a Koma Rd", "11A Koma Road, Jabavu"),
        ("009 Moroka St", "9 Moroka Street"),
        ("2 Rose Pl", "2 Rose Place"),
        ("14 Aloe Cl", "14 Aloe Close"),
        ("30 Market Sq", "30 Market Square"),
        ("6 Hill Tce", "6 Hill Terrace"),
        ("77 Commissioner St", "77 Commissioner Street Marshalltown"),
        ("outside 12 Vilakazi St", "opposite 12 Vilakazi Street"),
        ("House 320 Ntuli St", "320 Ntuli Street"),
        ("Stand 4512 Makhaza", "4512 Makhaza"),
        ("erf 118 Mvula Rd", "118 Mvula Road"),
        ("leak at 21 Sisulu Dr", "21 Sisulu Drive"),
        ("cnr Vilakazi and Moema", "corner Moema & Vilakazi"),
        ("cnr Vilakazi St & Moema St", "Corner of Moema Street and Vilakazi Street"),
        ("Cnr Jan Smuts/Bolton", "corner Bolton and Jan Smuts Ave"),
        ("crn Main Rd and Church St", "cnr Church & Main"),
        ("Kruising Kerk en Markstraat", "Kruising Kerk en Markstraat"),
        ("Zola Clinic", "zola clinic"),
        ("Zola Clinic gate", "outside Zola Clinic"),
        ("Maponya Mall taxi rank", "taxi rank at Maponya Mall"),
        ("Baragwanath Hospital", "Baragwanath hospital, Soweto"),
        ("Thokoza Park", "thokoza park"),
        ("next to Regina Mundi Church", "Regina Mundi Church"),
        ("Orlando Stadium parking", "parking at orlando stadium"),
        ("Dobsonville Shopping Centre", "dobsonville shopping centre entrance"),
        ("behind Jabulani Mall", "Jabulani Mall"),
        ("Chris Hani Road bridge", "chris hani road bridge"),
        ("12 Vilakazi St.", "12   Vilakazi   St"),
        ("12 Water St", "12 water street"),
        ("3 Light Rd", "leak at 3 Light Road"),
    ]

    static let different: [(String, String)] = [
        ("12 Vilakazi St", "14 Vilakazi St"),
        ("12 Vilakazi St", "12 Moema St"),
        ("12 Vilakazi St", "12a Vilakazi St"),
        ("12 Vilakazi Street", "12 Vilakazi Road"),
        ("45 Main Rd", "45 Main Street"),
        ("7 Jan Smuts Ave", "7 Jan Hofmeyr Ave"),
        ("7 Jan Smuts Ave", "17 Jan Smuts Ave"),
        ("101 Beyers Naude Dr", "110 Beyers Naude Dr"),
        ("3 Acacia Cres", "3 Acacia Close"),
        ("9 Church St", "9 Market St"),
        ("22 Kerkstraat", "22 Markstraat"),
        ("1234 Mofolo North", "1234 Mofolo South"),
        ("4412 Zone 7", "4412 Zone 6"),
        ("11a Koma Rd", "11b Koma Rd"),
        ("2 Rose Pl", "2 Rose Lane"),
        ("77 Commissioner St", "77 Market St"),
        ("320 Ntuli St", "230 Ntuli St"),
        ("cnr Vilakazi and Moema", "cnr Vilakazi and Ngakane"),
        ("cnr Main Rd and Church St", "cnr Main Rd and Market St"),
        ("cnr Vilakazi and Moema", "12 Vilakazi St"),
        ("12 Vilakazi St", "Zola Clinic"),
        ("Zola Clinic", "Jabavu Clinic"),
        ("Zola Clinic", "Zola Library"),
        ("clinic", "Zola Clinic"),
        ("Maponya Mall", "Jabulani Mall"),
        ("Baragwanath Hospital", "Helen Joseph Hospital"),
        ("Thokoza Park", "Thokoza Hall"),
        ("Orlando Stadium", "Orlando Police Station"),
        ("near the school", "near the clinic"),
        ("21 Sisulu Dr", "21 Sisulu St"),
        ("56 Nelson Mandela Blvd", "65 Nelson Mandela Blvd"),
        ("8 Old Pretoria Hwy", "8 Old Potchefstroom Hwy"),
        ("burst pipe", "burst pipe"),
        ("", "12 Vilakazi St"),
        ("5 Voortrekker Weg", "5 Voortrekker Straat"),
        ("12 Light St", "12 Water St"),
        ("12 Water St", "12 Church St"),
    ]

    @Test func theTableHasEnoughRealSpellings() {
        #expect(Self.same.count + Self.different.count >= 80)
    }

    @Test(arguments: same)
    func theseNameTheSameSpot(_ a: String, _ b: String) {
        #expect(ReportedPlace(a).isSame(as: ReportedPlace(b)), "\(a) | \(b): \(ReportedPlace(a).kind) vs \(ReportedPlace(b).kind)")
        #expect(ReportedPlace(b).isSame(as: ReportedPlace(a)), "symmetric")
    }

    @Test(arguments: different)
    func theseDoNot(_ a: String, _ b: String) {
        #expect(!ReportedPlace(a).isSame(as: ReportedPlace(b)), "\(a) | \(b): \(ReportedPlace(a).kind) vs \(ReportedPlace(b).kind)")
        #expect(!ReportedPlace(b).isSame(as: ReportedPlace(a)), "symmetric")
    }

    @Test func distanceIsInMetres() throws {
        let a = try #require(GeoPoint(lat: -26.2485, long: 27.8540)), b = try #require(GeoPoint(lat: -26.2485, long: 27.8543))
        #expect(abs(a.distance(to: b) - 29.9) < 0.5, "0.0003° of longitude at Soweto is about 30 m")
        #expect(a.distance(to: a) == 0)
    }
}
