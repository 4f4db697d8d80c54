# kvgate's container image: Debian's JRE and the shaded jar, run as an unprivileged user (uid 10001,
# the runAsUser of k8s/). Build the jar first, then the image:
#   mvn -B -DskipTests package && docker build -t kvgate:0.1.0 .
# The root filesystem can be read-only: Netty unpacks its native libraries into java.io.tmpdir (/tmp),
# which k8s/ mounts as an emptyDir.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 kvgate \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin kvgate
COPY gateway/target/kvgate.jar /opt/kvgate/kvgate.jar
USER 10001:10001
# mcbp plain, mcbp TLS, admin HTTP (reference.conf defaults)
EXPOSE 11210 11207 9090
ENTRYPOINT ["java", "-jar", "/opt/kvgate/kvgate.jar"]
