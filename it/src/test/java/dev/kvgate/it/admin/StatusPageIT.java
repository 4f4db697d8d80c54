package dev.kvgate.it.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.client.McbpClient;
import dev.kvgate.gateway.GatewayFixture;
import dev.kvgate.gateway.TransportKind;
import dev.kvgate.gateway.admin.AdminHttp;
import dev.kvgate.it.Shards;
import dev.kvgate.testkit.FreePorts;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The status page in a real browser: Debian's headless chromium, driven by its chromedriver (both
 * installed by .ci/run), renders it after traffic over both transports with one shard down; the test
 * reads the rendered DOM (text set by the page's script, computed styles) and keeps a screenshot in
 * target/status-page.png.
 */
@Timeout(120)
class StatusPageIT {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    @Test
    void statusPageRendersShardsConnectionsAndCertificates() throws Exception {
        assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "chromium and chromium-driver are needed (apt-get install chromium chromium-driver; .ci/run does)");
        try (Shards shards = Shards.start(2)) {
            String dead = "127.0.0.1:" + FreePorts.next();
            try (GatewayFixture g = GatewayFixture.start("kvgate.shards = [\"" + shards.get(0).address() + "\", \""
                    + shards.get(1).address() + "\", \"" + dead + "\"]\n")) {
                McbpClient plain = g.client(TransportKind.PLAIN);
                McbpClient tls = g.client(TransportKind.TLS);
                try {
                    for (int i = 0; i < 30; i++) {
                        plain.set("page-" + i, "v");
                        tls.get("page-" + i);
                    }
                    render(g, shards, dead);
                } finally {
                    plain.close();
                    tls.close();
                }
            }
        }
    }

    private static void render(GatewayFixture g, Shards shards, String dead) throws Exception {
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--window-size=1200,1400");
        ChromeDriver browser = new ChromeDriver(service, options);
        try {
            browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
            browser.get(AdminHttp.uri(g.server(), "/").toString());
            assertEquals("kvgate status", browser.getTitle());

            List<WebElement> rows = browser.findElements(By.cssSelector("#shards tbody tr"));
            assertEquals(3, rows.size());
            for (int i = 0; i < 2; i++) {
                List<WebElement> cells = rows.get(i).findElements(By.tagName("td"));
                assertEquals(shards.get(i).address(), cells.get(0).getText());
                assertEquals("up", cells.get(1).getText());
                assertTrue(Long.parseLong(cells.get(2).getText().replace(",", "")) > 0, "answers counted");
                assertTrue(cells.get(3).getText().endsWith(" ms"), cells.get(3).getText());
            }
            List<WebElement> deadCells = rows.get(2).findElements(By.tagName("td"));
            assertEquals(dead, deadCells.get(0).getText());
            assertEquals("down", deadCells.get(1).getText());
            String red = deadCells.get(1).findElement(By.tagName("span")).getCssValue("background-color");
            assertEquals("rgba(253, 224, 224, 1)", red, "a shard that is down is shown in red");

            WebElement readiness = browser.findElement(By.id("readiness"));
            assertTrue(readiness.getText().startsWith("not ready: 2 of 3 shards reachable"), readiness.getText());

            List<WebElement> listeners = browser.findElements(By.cssSelector("#listeners tbody tr"));
            assertEquals(2, listeners.size());
            for (WebElement l : listeners) {
                List<WebElement> cells = l.findElements(By.tagName("td"));
                assertEquals("1", cells.get(3).getText(), "one open connection on " + cells.get(0).getText());
            }

            // Written by the page's own script from data-not-after: only a browser that ran it shows this.
            WebElement expires = browser.findElement(By.cssSelector("#certificates tbody tr td span.expires"));
            assertTrue(expires.getText().matches("in \\d+ days"), expires.getText());
            assertTrue(expires.getAttribute("class").contains("ok"), expires.getAttribute("class"));
            assertEquals("server", browser.findElement(By.cssSelector("#certificates tbody tr td")).getText());

            assertTrue(browser.findElement(By.id("version")).getText().startsWith("kvgate-"));
            assertTrue(browser.findElements(By.cssSelector("#handshakes tbody tr")).size() >= 1, "a TLS handshake");

            File shot = browser.getScreenshotAs(OutputType.FILE);
            Path target = Path.of("target", "status-page.png").toAbsolutePath();
            Files.createDirectories(target.getParent());
            Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
            assertTrue(Files.size(target) > 10_000, "a real screenshot");
        } finally {
            browser.quit();
            service.stop();
        }
    }
}
