// Sun position, clear-sky irradiance and plane-of-array irradiance.
//
// Solar position: NOAA's general solar position algorithm (the NOAA Solar
// Calculator spreadsheet, after Meeus, "Astronomical Algorithms"): mean
// anomaly and longitude -> declination and equation of time -> hour angle ->
// zenith and azimuth. Geometric (no refraction), ~0.01 deg against NREL SPA
// for 1950-2050, which is far below what a 15-minute energy profile resolves.
//
// Clear sky: Ineichen and Perez (2002) with a Linke turbidity TL, in pvlib's
// formulation (pvlib.clearsky.ineichen, without the optional Perez
// enhancement); air mass by Kasten and Young (1989). Haurwitz (1945) is
// provided too (GHI only) as a turbidity-free cross-check.
//
// Cloudy sky: a global horizontal irradiance below the clear sky (the cloud
// process's or measured) is split into beam and diffuse by Erbs, Klein and
// Duffie's (1982) hourly diffuse-fraction correlation, applied to Perez et
// al.'s (1990) zenith-independent clearness index k_t' = k_t / (1.031
// exp(-1.4 / (0.9 + 9.4 / AM)) + 0.1), k_t = GHI / (extraterrestrial normal x
// cos z): overcast light is diffuse and gains little on a tilted plane, while
// a clear low winter sun keeps its beam.
//
// Plane of array: beam x cos(angle of incidence) + isotropic sky diffuse
// (Liu and Jordan) + ground reflection at an albedo.
//
// Promise: pure functions of their arguments; angles in degrees; irradiance
// in W/m^2; never negative.
#pragma once

#include <cstdint>

namespace wattle::sim {

struct SolarPosition {
  double zenith_deg = 90;
  double azimuth_deg = 180;  // clockwise from north (180 = due south)
  double declination_deg = 0;
  double equation_of_time_min = 0;
};

// unix_seconds: UTC; latitude north positive, longitude east positive.
SolarPosition solar_position(double unix_seconds, double latitude_deg, double longitude_deg);

struct ClearSky {
  double ghi = 0;  // global horizontal
  double dni = 0;  // direct normal
  double dhi = 0;  // diffuse horizontal
};

// pvlib's ineichen(apparent_zenith, airmass_absolute, linke_turbidity,
// altitude, dni_extra) for one point.
ClearSky ineichen(double zenith_deg, double airmass_absolute, double linke_turbidity,
                  double altitude_m = 0, double dni_extra = 1364.0);
// Haurwitz: GHI = 1098 cos z exp(-0.059 / cos z).
double haurwitz_ghi(double zenith_deg);

// Kasten-Young relative air mass; 0 when the sun is below the horizon.
double relative_airmass(double zenith_deg);
// Standard-atmosphere pressure ratio p(h)/p0.
double pressure_ratio(double altitude_m);
// Extraterrestrial normal irradiance for a day of the year (Spencer-style
// 1367 W/m^2 x eccentricity correction).
double extraterrestrial_dni(int day_of_year);

// Clear sky at a place and time (position + air mass + Ineichen).
ClearSky clear_sky_at(const SolarPosition& pos, int day_of_year, double linke_turbidity,
                      double altitude_m);

// Erbs et al.'s diffuse fraction of GHI for a clearness index k_t.
double erbs_diffuse_fraction(double kt);
// GHI split into DNI and DHI by erbs_diffuse_fraction(k_t'); zero below the
// horizon.
ClearSky erbs_split(double ghi, double zenith_deg, int day_of_year);

struct Surface {
  double tilt_deg = 30;
  double azimuth_deg = 180;  // clockwise from north
  double albedo = 0.2;
};

// Irradiance on the tilted plane, W/m^2.
double plane_of_array(const SolarPosition& pos, const ClearSky& sky, const Surface& s);

}  // namespace wattle::sim
