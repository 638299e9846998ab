// The HTML report opened in headless Chromium (Debian `chromium`): the charts
// render (each SVG has drawn series), the page's own script ran, and the
// error recorder saw no JavaScript error. A page with a deliberate error must
// be caught, so the check can fail. Skipped only when chromium is absent.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

#include "sim/engine.h"
#include "sim/kpi.h"
#include "sim/presets.h"
#include "sim/report.h"

namespace wattle::sim {
namespace {

std::string find_chromium() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"})
    if (std::filesystem::exists(p)) return p;
  return "";
}

std::string run(const std::string& cmd) {
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  if (!f) return out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), f)) > 0) out.append(buf.data(), n);
  pclose(f);
  return out;
}

// The <html ...> start tag of a dumped DOM (after the doctype).
std::string html_tag(const std::string& dom) {
  const size_t start = dom.find("<html");
  if (start == std::string::npos) return "";
  return dom.substr(start, dom.find('>', start) - start);
}

std::string chromium_flags(const std::string& profile) {
  return " --headless --no-sandbox --disable-gpu --disable-background-networking"
         " --disable-component-update --disable-sync --no-first-run --user-data-dir=" +
         profile;
}

class ReportBrowser : public testing::Test {
 protected:
  void SetUp() override {
    chromium_ = find_chromium();
    if (chromium_.empty()) GTEST_SKIP() << "chromium not installed (Debian package `chromium`)";
    // One directory per test and process: ctest runs these tests in parallel.
    dir_ = testing::TempDir() + "/wattle_sim_report_" +
           testing::UnitTest::GetInstance()->current_test_info()->name() + "_" +
           std::to_string(getpid());
    std::filesystem::remove_all(dir_);
    const Preset* p = find_preset("gridsingularity");
    Result<Scenario> s = parse_scenario(p->toml, "preset", ".", 3);
    ASSERT_TRUE(s);
    scenario_ = *s;
    // Two mechanisms, as `--mechanism all` gives: the comparison is rendered.
    for (const char* name : {"pay-as-bid", "uniform"}) {
      auto m =
          make_fast_market(name, {}, Tariffs{to_micro(s->grid_buy), to_micro(s->grid_sell)}, false);
      ASSERT_TRUE(m);
      Result<RunResult> r = run_scenario(*s, **m);
      ASSERT_TRUE(r);
      MechanismRun mr;
      mr.kpis = community_kpis(*r, s->carbon_g_per_kwh, s->slots());
      mr.result = std::move(*r);
      runs_.push_back(std::move(mr));
    }
    ASSERT_TRUE(write_outputs(dir_, scenario_, runs_, 0).is_ok());
  }

  void TearDown() override {
    // Chromium profiles are tens of MB; keep only the screenshot test's output.
    if (!keep_ && !dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::string dump_dom(const std::string& file) {
    const std::string profile = dir_ + "/profile-" + std::to_string(counter_++);
    return run("timeout 120 " + chromium_ + chromium_flags(profile) + " --dump-dom file://" + file +
               " 2>/dev/null");
  }

  std::string chromium_, dir_;
  Scenario scenario_;
  std::vector<MechanismRun> runs_;
  int counter_ = 0;
  bool keep_ = false;
};

TEST_F(ReportBrowser, ChartsRenderWithoutScriptErrors) {
  const std::string dom = dump_dom(dir_ + "/report.html");
  ASSERT_FALSE(dom.empty()) << "chromium printed no DOM";
  // The page's script counted eight charts, each with drawn series or bars.
  EXPECT_NE(dom.find("data-charts-rendered=\"8\""), std::string::npos) << dom.substr(0, 2000);
  EXPECT_NE(dom.find("data-charts=\"8\""), std::string::npos);
  // No error recorded: the recorder puts data-js-errors on <html> only on error.
  const std::string tag = html_tag(dom);
  ASSERT_FALSE(tag.empty());
  EXPECT_EQ(tag.find("data-js-errors"), std::string::npos) << tag;
  // Every chart is non-empty SVG: paths with coordinates or bars with height.
  const std::regex path(R"(<path class="series"[^>]* d="M[0-9.]+,[0-9.]+L)");
  const std::regex bar(R"(<rect class="bar"[^>]* height="[0-9.]+")");
  EXPECT_TRUE(std::regex_search(dom, path));
  EXPECT_TRUE(std::regex_search(dom, bar));
  for (const char* id : {"group-savings", "daily-profile", "price-day", "price", "volume-year",
                         "battery-soc", "savings", "self-sufficiency"})
    EXPECT_NE(dom.find(std::string("<svg id=\"") + id + "\""), std::string::npos) << id;
  // Self-contained: nothing fetched from the network.
  std::ifstream in(dir_ + "/report.html");
  const std::string html((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
}

TEST_F(ReportBrowser, ADeliberateScriptErrorIsCaught) {
  std::string html = render_report_html(scenario_, runs_);
  html.insert(html.rfind("</body>"), "<script>no_such_function();</script>");
  const std::string file = dir_ + "/broken.html";
  std::ofstream(file) << html;
  const std::string dom = dump_dom(file);
  ASSERT_FALSE(dom.empty());
  EXPECT_NE(html_tag(dom).find("data-js-errors=\"1\""), std::string::npos) << html_tag(dom);
}

// At a phone's width every chart fits the window (they were cut off at 390 px
// when each SVG had a fixed 720 px width).
TEST_F(ReportBrowser, ChartsFitA390PxWindow) {
  std::ifstream in(dir_ + "/report.html");
  std::string html((std::istreambuf_iterator<char>(in)), {});
  html.insert(html.rfind("</body>"),
              "<script>var r=0;document.querySelectorAll('svg.chart').forEach(function(s){"
              "r=Math.max(r,Math.ceil(s.getBoundingClientRect().right));});"
              "document.body.setAttribute('data-widest-right',String(r));"
              "document.body.setAttribute('data-window',String(document.documentElement."
              "clientWidth));</script>");
  const std::string file = dir_ + "/measure.html";
  std::ofstream(file) << html;
  const std::string profile = dir_ + "/profile-narrow";
  const std::string dom = run("timeout 120 " + chromium_ + chromium_flags(profile) +
                              " --window-size=390,844 --dump-dom file://" + file + " 2>/dev/null");
  std::smatch m1, m2;
  ASSERT_TRUE(std::regex_search(dom, m1, std::regex("data-widest-right=\"([0-9]+)\"")))
      << dom.substr(0, 500);
  ASSERT_TRUE(std::regex_search(dom, m2, std::regex("data-window=\"([0-9]+)\"")));
  const int right = std::stoi(m1[1]), window = std::stoi(m2[1]);
  EXPECT_GT(right, 200);  // the charts are there and not collapsed
  EXPECT_LE(right, window) << "a chart reaches past the window's right edge";
}

TEST_F(ReportBrowser, ScreenshotsAtDesktopAndPhoneWidth) {
  // For a human to look at (paths printed); the test checks a PNG came out at
  // each width and that no chart is wider than the 390 px window (the SVGs
  // scale: their width is the page's, not a fixed 720 px).
  for (const char* size : {"1400,900", "390,844"}) {
    const std::string png =
        dir_ + "/report-" + std::string(size).substr(0, std::string(size).find(',')) + ".png";
    run("timeout 120 " + chromium_ + chromium_flags(dir_ + "/profile-shot" + size) +
        " --hide-scrollbars --window-size=" + size + " --screenshot=" + png + " file://" + dir_ +
        "/report.html 2>/dev/null");
    ASSERT_TRUE(std::filesystem::exists(png)) << png;
    EXPECT_GT(std::filesystem::file_size(png), 10'000u);
    std::cout << "screenshot: " << png << "\n";
  }
  std::ifstream in(dir_ + "/report.html");
  const std::string html((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(html.find("<svg id=\"daily-profile\" class=\"chart\" viewBox=\"0 0 720 "),
            html.find("<svg id=\"daily-profile\""));
  EXPECT_EQ(html.find(" width=\"720\""), std::string::npos);  // no fixed pixel width
  keep_ = true;
}

}  // namespace
}  // namespace wattle::sim
