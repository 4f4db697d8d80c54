# kvgate's container image: Debian's JRE and the shaded jar, run as an unprivileged user (uid 10001,
# the runAsUser of k8s/). Build the jar first, then the image:
#   mvn -B -DskipTests package && docker build -t kvgate:0.1.0 .
# The root filesystem can be read-only: Netty unpacks its native libraries into java.io.tmpdir (/tmp),
# which k8s/ mounts as an emptyDir.
#
# Sized for a small container (README.md, "Small container"): the JVM options of jvm-small.options
# (64 MiB heap at most, 32 MiB of direct memory, serial GC, C2 only) come from JDK_JAVA_OPTIONS, so a
# deployment that needs more sets its own; and a class-data archive made at build time by
# 'kvgate.jar train' (a gateway taken through TLS and plain traffic and the admin paths) lets the JVM
# map kvgate's classes instead of loading them at every start.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 kvgate \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin kvgate
COPY gateway/target/kvgate.jar /opt/kvgate/kvgate.jar
COPY gateway/src/main/dist/jvm-small.options /opt/kvgate/jvm-small.options
# The JDK's own archive (a dynamic archive extends it; Debian's package ships it), then kvgate's, under the options it runs
# with. Every class in the archive is resident in every process that maps it, so 'train' loads only what a gateway
# logging text does; an image for a gateway logging JSON (k8s/terminator) would run 'train --json'.
# MALLOC_ARENA_MAX and MALLOC_MMAP_THRESHOLD_ are glibc's: two malloc arenas instead of eight
# per core, and large blocks given back to the system when freed.
ENV JDK_JAVA_OPTIONS="@/opt/kvgate/jvm-small.options" \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=131072
RUN { test -f /usr/lib/jvm/java-17-openjdk-amd64/lib/server/classes.jsa || java -Xshare:dump >/dev/null; } \
    && java -XX:ArchiveClassesAtExit=/opt/kvgate/kvgate.jsa -jar /opt/kvgate/kvgate.jar train \
    && chmod 444 /opt/kvgate/kvgate.jsa
USER 10001:10001
# mcbp plain, mcbp TLS, admin HTTP (reference.conf defaults)
EXPOSE 11210 11207 9090
ENTRYPOINT ["java", "-XX:SharedArchiveFile=/opt/kvgate/kvgate.jsa", "-jar", "/opt/kvgate/kvgate.jar"]
