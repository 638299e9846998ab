#include "sim/solar.h"

#include <algorithm>
#include <cmath>

namespace wattle::sim {

namespace {

constexpr double kPi = 3.14159265358979323846;
double rad(double d) {
  return d * kPi / 180.0;
}
double deg(double r) {
  return r * 180.0 / kPi;
}

}  // namespace

SolarPosition solar_position(double unix_seconds, double lat, double lon) {
  const double jd = unix_seconds / 86400.0 + 2440587.5;
  const double t = (jd - 2451545.0) / 36525.0;  // Julian centuries since J2000
  const double l0 = std::fmod(280.46646 + t * (36000.76983 + 0.0003032 * t), 360.0);
  const double m = 357.52911 + t * (35999.05029 - 0.0001537 * t);
  const double e = 0.016708634 - t * (0.000042037 + 0.0000001267 * t);
  const double c = std::sin(rad(m)) * (1.914602 - t * (0.004817 + 0.000014 * t)) +
                   std::sin(rad(2 * m)) * (0.019993 - 0.000101 * t) +
                   std::sin(rad(3 * m)) * 0.000289;
  const double true_long = l0 + c;
  const double omega = 125.04 - 1934.136 * t;
  const double lambda = true_long - 0.00569 - 0.00478 * std::sin(rad(omega));
  const double eps0 =
      23.0 + (26.0 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) / 60.0) / 60.0;
  const double eps = eps0 + 0.00256 * std::cos(rad(omega));
  const double decl = deg(std::asin(std::sin(rad(eps)) * std::sin(rad(lambda))));
  const double y = std::pow(std::tan(rad(eps / 2)), 2);
  const double eot =
      4.0 * deg(y * std::sin(2 * rad(l0)) - 2 * e * std::sin(rad(m)) +
                4 * e * y * std::sin(rad(m)) * std::cos(2 * rad(l0)) -
                0.5 * y * y * std::sin(4 * rad(l0)) - 1.25 * e * e * std::sin(2 * rad(m)));
  double minutes = std::fmod(unix_seconds, 86400.0) / 60.0;
  if (minutes < 0) minutes += 1440.0;
  double tst = std::fmod(minutes + eot + 4.0 * lon, 1440.0);
  if (tst < 0) tst += 1440.0;
  const double ha = tst / 4.0 - 180.0;  // hour angle, degrees, 0 at solar noon
  const double cos_z = std::sin(rad(lat)) * std::sin(rad(decl)) +
                       std::cos(rad(lat)) * std::cos(rad(decl)) * std::cos(rad(ha));
  const double zenith = deg(std::acos(std::clamp(cos_z, -1.0, 1.0)));
  double az = deg(std::atan2(std::sin(rad(ha)), std::cos(rad(ha)) * std::sin(rad(lat)) -
                                                    std::tan(rad(decl)) * std::cos(rad(lat)))) +
              180.0;
  az = std::fmod(az, 360.0);
  return SolarPosition{zenith, az, decl, eot};
}

ClearSky ineichen(double zenith_deg, double am, double tl, double altitude, double dni_extra) {
  const double cos_z = std::max(std::cos(rad(zenith_deg)), 0.0);
  if (cos_z <= 0 || am <= 0) return {};
  const double fh1 = std::exp(-altitude / 8000.0);
  const double fh2 = std::exp(-altitude / 1250.0);
  const double cg1 = 5.09e-05 * altitude + 0.868;
  const double cg2 = 3.92e-05 * altitude + 0.0387;
  const double ghi =
      cg1 * dni_extra * cos_z * std::max(std::exp(-cg2 * am * (fh1 + fh2 * (tl - 1))), 0.0);
  // Beam: Ineichen and Perez (2002) eq. with b = 0.664 + 0.163/fh1, capped by
  // the "empirical correction" so that DHI stays >= 0.
  const double b = 0.664 + 0.163 / fh1;
  const double bnci = dni_extra * std::max(b * std::exp(-0.09 * am * (tl - 1)), 0.0);
  const double bnci2 =
      ghi * std::clamp((1 - (0.1 - 0.2 * std::exp(-tl)) / (0.1 + 0.882 / fh1)) / cos_z, 0.0, 1e20);
  const double dni = std::min(bnci, bnci2);
  return ClearSky{ghi, dni, std::max(ghi - dni * cos_z, 0.0)};
}

double haurwitz_ghi(double zenith_deg) {
  const double cos_z = std::cos(rad(zenith_deg));
  if (cos_z <= 0) return 0;
  return 1098.0 * cos_z * std::exp(-0.059 / cos_z);
}

double relative_airmass(double zenith_deg) {
  if (zenith_deg >= 90) return 0;
  return 1.0 / (std::cos(rad(zenith_deg)) + 0.50572 * std::pow(96.07995 - zenith_deg, -1.6364));
}

double pressure_ratio(double altitude_m) {
  return std::pow(1 - 2.25577e-5 * altitude_m, 5.25588);
}

double extraterrestrial_dni(int doy) {
  return 1367.0 * (1 + 0.033 * std::cos(2 * kPi * doy / 365.0));
}

ClearSky clear_sky_at(const SolarPosition& pos, int doy, double tl, double altitude) {
  const double am = relative_airmass(pos.zenith_deg) * pressure_ratio(altitude);
  return ineichen(pos.zenith_deg, am, tl, altitude, extraterrestrial_dni(doy));
}

double erbs_diffuse_fraction(double kt) {
  if (kt <= 0.22) return 1 - 0.09 * kt;
  if (kt <= 0.80)
    return 0.9511 - 0.1604 * kt + 4.388 * kt * kt - 16.638 * std::pow(kt, 3) +
           12.336 * std::pow(kt, 4);
  return 0.165;
}

ClearSky erbs_split(double ghi, double zenith_deg, int doy) {
  const double cos_z = std::cos(rad(zenith_deg));
  if (cos_z <= 0 || ghi <= 0) return ClearSky{};
  const double kt = std::clamp(ghi / (extraterrestrial_dni(doy) * cos_z), 0.0, 1.0);
  // Perez et al. (1990): kt' removes the clear sky's own fall of kt at low
  // sun, so a clear winter noon (kt ~0.6 at air mass 4) reads as clear.
  const double am = relative_airmass(zenith_deg);
  const double kt_prime = std::min(kt / (1.031 * std::exp(-1.4 / (0.9 + 9.4 / am)) + 0.1), 1.0);
  const double dhi = ghi * erbs_diffuse_fraction(kt_prime);
  return ClearSky{ghi, (ghi - dhi) / cos_z, dhi};
}

double plane_of_array(const SolarPosition& pos, const ClearSky& sky, const Surface& s) {
  if (sky.ghi <= 0) return 0;
  const double beta = rad(s.tilt_deg);
  const double cos_aoi = std::cos(rad(pos.zenith_deg)) * std::cos(beta) +
                         std::sin(rad(pos.zenith_deg)) * std::sin(beta) *
                             std::cos(rad(pos.azimuth_deg - s.azimuth_deg));
  const double beam = sky.dni * std::max(cos_aoi, 0.0);
  const double diffuse = sky.dhi * (1 + std::cos(beta)) / 2;
  const double ground = sky.ghi * s.albedo * (1 - std::cos(beta)) / 2;
  return std::max(beam + diffuse + ground, 0.0);
}

}  // namespace wattle::sim
