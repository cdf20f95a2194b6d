fn main() {
    let large = std::env::args().nth(1).as_deref() == Some("large");
    let shape = if large {
        faultline_benches::NetworkShape::LARGE
    } else {
        faultline_benches::NetworkShape::TENTH
    };
    print!("{}", faultline_benches::network_cluster(shape));
}
