# faultline in a container: a static musl binary in a distroless image, run as non-root.
#
#   docker build -t faultline .
#   helm template my-release ./chart | docker run --rm -i faultline check - --format github
#   docker run --rm -v "$PWD:/work:ro" faultline check k8s/
#
# crates/faultline-cli/tests/packaging.rs checks this file's structure; no Docker engine runs
# in CI, so the image itself is not built there.

# Build: Alpine's Rust targets musl, so the binary is static.
FROM rust:1.95-alpine3.22 AS build
# musl-dev's version follows the Alpine release the tag above pins.
# hadolint ignore=DL3018
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p faultline-cli \
 && cp target/release/faultline /faultline \
 && /faultline --version

# Run: no shell, no package manager, user 65532 (`nonroot`).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /faultline /usr/local/bin/faultline
USER 65532:65532
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/faultline"]
CMD ["--help"]
